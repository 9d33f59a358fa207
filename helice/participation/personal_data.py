"""Participation's sections of a person's data (helice.core.personal_data): the
opinions they gave and the ideas they suggested. (Comments, flags, follows and
notification settings are the comments part's sections.)

On deletion, opinions stay, counted and tied to the anonymised account (the
results and counters do not move; nothing in them names the person); public ideas
stay, shown as from a "Deleted account"; ideas never published (awaiting
moderation or hidden) are deleted."""

from django.utils.translation import gettext_lazy as _

from helice.core import personal_data

from .models import PUBLIC_STATES, Opinion, Proposal


def _iso(value):
    return value.isoformat() if value else None


def export_opinions(user) -> list[dict]:
    rows = Opinion.objects.filter(user=user).select_related("proposal__consultation").order_by("id")
    return [
        {
            "consultation": opinion.proposal.consultation.title_fr,
            "proposal": opinion.proposal.title_fr,
            "opinion": opinion.value,
            "participant_category": opinion.participant_category,
            "given_at": _iso(opinion.created_at),
            "changed_at": _iso(opinion.updated_at),
        }
        for opinion in rows
    ]


def export_ideas(user) -> list[dict]:
    rows = Proposal.objects.filter(author=user).select_related("consultation", "objective").order_by("id")
    return [
        {
            "consultation": idea.consultation.title_fr,
            "title": idea.title_fr,
            "text": idea.body_fr,
            "objective": idea.objective.code if idea.objective else "",
            "state": idea.state,
            "reason_for_hiding": idea.moderation_reason,
            "answer": idea.answer_fr,
            "submitted_at": _iso(idea.created_at),
            "published_at": _iso(idea.published_at),
        }
        for idea in rows
    ]


def erase_ideas(user) -> None:
    Proposal.objects.filter(author=user).exclude(state__in=PUBLIC_STATES).delete()


def register() -> None:
    personal_data.register(
        "participation.opinions",
        export_opinions,
        description=_("Your opinions on the consultations' proposals."),
    )
    personal_data.register(
        "participation.ideas",
        export_ideas,
        erase_ideas,
        description=_("The ideas you suggested in consultations, with their state and answer."),
    )
