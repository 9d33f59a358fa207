"""The results of a consultation: who took part (by participant category), the
opinions and comments on each proposal, the proposals by state and the answers
given. Read by the results page (``views_results``) and the API.

Cost at the benchmark's scale (200 proposals, 500,000 opinions): the proposals'
figures come from their counters (one query on a few hundred rows); only the
people counted by category need the opinions and comments tables, in two grouped
queries (about a quarter of a second on PostgreSQL at that scale), so that part is
cached per consultation for ``PEOPLE_CACHE_SECONDS`` and the page says when it was
counted. Everything else is exact at every request."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from helice.accounts.models import ParticipantCategory, User

from .models import (
    DECIDED_STATES,
    PUBLIC_STATES,
    Comment,
    Consultation,
    Opinion,
    OpinionValue,
    Proposal,
    ProposalState,
)
from .selectors import Share, shares

PEOPLE_CACHE_SECONDS = 600
NOT_STATED = ""


def opinion_labels() -> dict[str, str]:
    return {value: str(label) for value, label in OpinionValue.choices}


def category_labels() -> dict[str, str]:
    return {**{value: str(label) for value, label in ParticipantCategory.choices}, NOT_STATED: _("Category not stated")}


@dataclass(frozen=True)
class ProposalLine:
    proposal: Proposal
    opinions: int
    shares: list[Share]


@dataclass(frozen=True)
class CategoryLine:
    category: str
    label: str
    participants: int
    percent: int
    opinions: int
    opinion_shares: list[Share]


@dataclass(frozen=True)
class StateLine:
    state: str
    label: str
    count: int


@dataclass
class Results:
    consultation: Consultation
    proposals: list[ProposalLine]
    states: list[StateLine]
    answers: list[Proposal]
    categories: list[CategoryLine]
    participants: int
    people_counted_at: datetime.datetime
    totals: list[Share] = field(default_factory=list)

    @property
    def opinion_total(self) -> int:
        return sum(s.count for s in self.totals)

    @property
    def comment_total(self) -> int:
        return sum(line.proposal.comment_count for line in self.proposals)

    @property
    def proposal_total(self) -> int:
        return len(self.proposals)


def _people_key(consultation: Consultation) -> str:
    return f"participation:results:people:{consultation.pk}"


def people_by_category(consultation: Consultation) -> dict:
    """Participants (distinct accounts that gave an opinion or wrote a comment on a
    public proposal) by their category, and the opinions by the category declared
    when they were given; cached ``PEOPLE_CACHE_SECONDS``."""
    key = _people_key(consultation)
    cached = cache.get(key)
    if cached is not None:
        return cached
    public = Proposal.objects.filter(consultation=consultation, state__in=PUBLIC_STATES)
    # One set of people (a UNION): "in opinions OR in comments" would make PostgreSQL
    # scan the 500,000 opinions once per account.
    opinion_people = Opinion.objects.filter(proposal__in=public).values("user_id").order_by()
    comment_people = Comment.objects.filter(proposal__in=public, author__isnull=False).values("author_id").order_by()
    participants = {
        row["participant_category"] or NOT_STATED: row["n"]
        for row in User.objects.filter(pk__in=opinion_people.union(comment_people))
        .values("participant_category")
        .annotate(n=Count("pk"))
        .order_by()
    }
    opinions: dict[str, dict[str, int]] = {}
    for row in (
        Opinion.objects.filter(proposal__in=public)
        .values("participant_category", "value")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        opinions.setdefault(row["participant_category"] or NOT_STATED, {})[row["value"]] = row["n"]
    data = {"participants": participants, "opinions": opinions, "counted_at": timezone.now()}
    cache.set(key, data, PEOPLE_CACHE_SECONDS)
    return data


def forget_people(consultation: Consultation) -> None:
    cache.delete(_people_key(consultation))


def consultation_results(consultation: Consultation) -> Results:
    """The results of ``consultation``: two queries on the proposals, plus the
    people by category (cached)."""
    labels = opinion_labels()
    proposals = list(
        consultation.proposals.filter(state__in=PUBLIC_STATES)
        .select_related("objective", "action")
        .order_by("position", "pk")
    )
    lines = [
        ProposalLine(
            p,
            p.opinion_count,
            shares({"agree": p.agree_count, "mixed": p.mixed_count, "disagree": p.disagree_count}, labels),
        )
        for p in proposals
    ]
    totals = shares(
        {
            "agree": sum(p.agree_count for p in proposals),
            "mixed": sum(p.mixed_count for p in proposals),
            "disagree": sum(p.disagree_count for p in proposals),
        },
        labels,
    )
    # Every state, those the public does not see included (ideas awaiting moderation or hidden): counted, not shown.
    by_state = {
        row["state"]: row["n"] for row in consultation.proposals.values("state").annotate(n=Count("pk")).order_by()
    }
    states = [StateLine(state, str(label), by_state.get(state, 0)) for state, label in ProposalState.choices]
    answers = [p for p in proposals if p.state in DECIDED_STATES or p.answer_fr or p.answer_en]
    people = people_by_category(consultation)
    participant_total = sum(people["participants"].values())
    participant_shares = {s.value: s for s in shares(people["participants"], category_labels())}
    categories = [
        CategoryLine(
            category,
            label,
            people["participants"].get(category, 0),
            participant_shares[category].percent,
            sum(people["opinions"].get(category, {}).values()),
            shares(people["opinions"].get(category, {}), labels),
        )
        for category, label in category_labels().items()
        if people["participants"].get(category) or people["opinions"].get(category)
    ]
    return Results(
        consultation=consultation,
        proposals=lines,
        states=states,
        answers=answers,
        categories=categories,
        participants=participant_total,
        people_counted_at=people["counted_at"],
        totals=totals,
    )
