"""Factories for participation (with traits), and small ones for the plan they hang on.

``ConsultationFactory()`` is published and open today (opened a week ago, closes
in a month). Traits: ``draft``, ``archived``, ``announced``, ``analysis``,
``results`` (dates set so that the phase follows), ``no_ideas``,
``postmoderated`` (ideas published at once).

``ProposalFactory()`` is an official, published proposal of a new open
consultation, its search document computed. Traits: ``idea`` (from a verified
participant), ``submitted`` (an idea awaiting moderation), ``hidden``,
``evaluating``, ``accepted`` (linked to a new plan action), ``rejected``.

``OpinionFactory`` and ``CommentFactory`` create the row and move the
proposal's counter as the services do (F() update, same transaction), so that
counters stay equal to the rows in every test."""

import datetime

import factory
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from helice.accounts.tests.factories import UserFactory
from helice.participation.models import (
    COUNTER_FIELDS,
    Comment,
    CommentFlag,
    Consultation,
    ConsultationStatus,
    Follow,
    Opinion,
    OpinionValue,
    Origin,
    ParticipationBlock,
    ParticipationSettings,
    Proposal,
    ProposalState,
    Stance,
)
from helice.strategy.models import Action, ActionStatus, Axis, Objective, Plan


def _today():
    return timezone.localdate()


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("slug",)

    slug = "plan-test"
    title_fr = "Plan d'innovation"


class AxisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Axis

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: f"{n + 1}")
    title_fr = factory.Sequence(lambda n: f"Axe {n + 1}")


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    axis = factory.SubFactory(AxisFactory)
    code = factory.Sequence(lambda n: f"9.{n + 1}")
    title_fr = factory.Sequence(lambda n: f"Objectif {n + 1}")


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    plan = factory.SubFactory(PlanFactory)
    code = factory.Sequence(lambda n: f"T{n + 1}")
    title_fr = factory.Sequence(lambda n: f"Action {n + 1}")
    status = ActionStatus.IN_PROGRESS
    progress = 30


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation
        skip_postgeneration_save = True

    title_fr = factory.Sequence(lambda n: f"Concertation {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title_fr))
    summary_fr = "Donnez votre avis sur les propositions."
    description_fr = "Les propositions des ateliers sont ouvertes aux avis."
    status = ConsultationStatus.PUBLISHED
    announced_on = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=14))
    opens_on = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=7))
    closes_on = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=30))
    results_on = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=90))

    class Params:
        draft = factory.Trait(status=ConsultationStatus.DRAFT)
        archived = factory.Trait(status=ConsultationStatus.ARCHIVED)
        announced = factory.Trait(opens_on=factory.LazyFunction(lambda: _today() + datetime.timedelta(days=3)))
        analysis = factory.Trait(
            opens_on=factory.LazyFunction(lambda: _today() - datetime.timedelta(days=60)),
            closes_on=factory.LazyFunction(lambda: _today() - datetime.timedelta(days=1)),
        )
        results = factory.Trait(
            opens_on=factory.LazyFunction(lambda: _today() - datetime.timedelta(days=90)),
            closes_on=factory.LazyFunction(lambda: _today() - datetime.timedelta(days=30)),
            results_on=factory.LazyFunction(lambda: _today() - datetime.timedelta(days=1)),
        )
        no_ideas = factory.Trait(ideas_allowed=False)
        postmoderated = factory.Trait(ideas_premoderated=False)

    @factory.post_generation
    def objectives(self, create, extracted, **kwargs):
        if create and extracted:
            self.objectives.set(extracted)


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    consultation = factory.SubFactory(ConsultationFactory)
    title_fr = factory.Sequence(lambda n: f"Proposition {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title_fr)[:200])
    body_fr = "Mettre en réseau les acteurs de l'innovation du territoire."
    origin = Origin.OFFICIAL
    state = ProposalState.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    class Params:
        idea = factory.Trait(origin=Origin.IDEA, author=factory.SubFactory(UserFactory, verified=True))
        submitted = factory.Trait(
            origin=Origin.IDEA,
            author=factory.SubFactory(UserFactory, verified=True),
            state=ProposalState.SUBMITTED,
            published_at=None,
        )
        hidden = factory.Trait(state=ProposalState.HIDDEN, moderation_reason="Hors sujet.")
        evaluating = factory.Trait(state=ProposalState.EVALUATING)
        accepted = factory.Trait(
            state=ProposalState.ACCEPTED,
            action=factory.SubFactory(ActionFactory),
            answer_fr="Retenue : elle devient une action du plan.",
            answered_at=factory.LazyFunction(timezone.now),
        )
        rejected = factory.Trait(
            state=ProposalState.REJECTED,
            answer_fr="Non retenue.",
            answered_at=factory.LazyFunction(timezone.now),
        )

    @factory.post_generation
    def reindex(self, create, extracted, **kwargs):
        if create:
            Proposal.objects.filter(pk=self.pk).update(search_document=self.build_search_document())
            self.refresh_from_db(fields=["search_document"])


class OpinionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opinion

    proposal = factory.SubFactory(ProposalFactory)
    user = factory.SubFactory(UserFactory, verified=True)
    value = OpinionValue.AGREE
    participant_category = factory.LazyAttribute(lambda o: o.user.participant_category)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with transaction.atomic():
            opinion = super()._create(model_class, *args, **kwargs)
            Proposal.objects.filter(pk=opinion.proposal_id).update(
                **{COUNTER_FIELDS[opinion.value]: F(COUNTER_FIELDS[opinion.value]) + 1}
            )
        opinion.proposal.refresh_from_db(fields=list(COUNTER_FIELDS.values()))
        return opinion


class CommentFactory(factory.django.DjangoModelFactory):
    """A visible comment; ``comment_count`` counts the visible comments."""

    class Meta:
        model = Comment

    proposal = factory.SubFactory(ProposalFactory)
    author = factory.SubFactory(UserFactory, verified=True)
    body = factory.Sequence(lambda n: f"Commentaire {n} : une remarque utile.")
    stance = Stance.NONE

    class Params:
        hidden = factory.Trait(
            hidden_at=factory.LazyFunction(timezone.now),
            hidden_reason="Propos injurieux.",
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with transaction.atomic():
            comment = super()._create(model_class, *args, **kwargs)
            if comment.hidden_at is None:
                Proposal.objects.filter(pk=comment.proposal_id).update(comment_count=F("comment_count") + 1)
        comment.proposal.refresh_from_db(fields=["comment_count"])
        return comment


class CommentFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommentFlag

    comment = factory.SubFactory(CommentFactory)
    user = factory.SubFactory(UserFactory, verified=True)


class FollowFactory(factory.django.DjangoModelFactory):
    """Follows a proposal by default; pass ``consultation=…, proposal=None`` for a consultation."""

    class Meta:
        model = Follow

    user = factory.SubFactory(UserFactory, verified=True)
    proposal = factory.SubFactory(ProposalFactory)


class ParticipationSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParticipationSettings
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory, verified=True)


class ParticipationBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParticipationBlock

    user = factory.SubFactory(UserFactory, verified=True)
    reason = "Messages injurieux répétés."
    blocked_by = factory.SubFactory(UserFactory, moderator=True)
