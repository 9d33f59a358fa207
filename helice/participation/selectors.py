"""Reads of participation, shared by the pages (and the API and exports that
follow): consultations shown to the public, the proposals list with its filters
and sorts, opinion distributions (from the counters) and by category."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Mod

from helice.core import search

from . import rules as participation_rules
from .models import (
    COUNTER_FIELDS,
    PUBLIC_STATES,
    RANDOM_KEY_MAX,
    VISIBLE_STATUSES,
    Consultation,
    Opinion,
    OpinionValue,
    ParticipantCategory,
    Proposal,
)

SORTS = ("random", "supported", "debated", "newest")


@dataclass(frozen=True)
class ProposalFilters:
    q: str = ""
    objective: str = ""  # an objective's code
    state: str = ""
    origin: str = ""
    sort: str = "random"
    seed: int = 1


def consultations_visible() -> QuerySet[Consultation]:
    """Published ones first (then archived), the latest opened first."""
    return (
        Consultation.objects.visible()
        .annotate(proposal_total=Count("proposals", filter=Q(proposals__state__in=PUBLIC_STATES)))
        .order_by("-status", F("opens_on").desc(nulls_last=True), "-created_at", "-pk")
    )


def consultation_by_slug(slug: str) -> Consultation | None:
    return Consultation.objects.visible().filter(slug=slug).first()


def proposal_search(consultation: Consultation, filters: ProposalFilters) -> QuerySet[Proposal]:
    """The consultation's public proposals matching ``filters``, in the order asked.
    Sorting reads the counters, never the opinions table."""
    qs = consultation.proposals.public().select_related("objective")
    if filters.objective:
        qs = qs.filter(objective__code=filters.objective)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.origin:
        qs = qs.filter(origin=filters.origin)
    parsed = search.parse_query(filters.q)
    if parsed:
        qs = search.filter_documents(qs, parsed)
    if filters.sort == "supported":
        return qs.order_by("-agree_count", "disagree_count", "pk")
    if filters.sort == "debated":
        return qs.annotate(opinion_total=F("agree_count") + F("mixed_count") + F("disagree_count")).order_by(
            "-comment_count", "-opinion_total", "pk"
        )
    if filters.sort == "newest":
        return qs.order_by(F("published_at").desc(nulls_last=True), "-pk")
    # A stable shuffle: the same seed gives the same order on every page.
    return qs.annotate(shuffle=Mod(F("random_key") * Value(filters.seed), Value(RANDOM_KEY_MAX))).order_by(
        "shuffle", "pk"
    )


def proposal_for(consultation: Consultation, slug: str, user=None) -> Proposal | None:
    """A proposal of ``consultation`` the person may see: public ones for everyone,
    the author's own idea awaiting moderation or hidden, all for moderators and
    strategy managers."""
    proposal = (
        consultation.proposals.select_related("objective__axis", "action", "author", "answered_by")
        .filter(slug=slug)
        .first()
    )
    return _seen_by(proposal, user)


# The columns an opinion write needs: the address, the state (does it take opinions,
# who may see it) and the counters the caller is given back.
OPINION_WRITE_FIELDS = ("id", "consultation_id", "slug", "state", "author_id", *COUNTER_FIELDS.values())


def _seen_by(proposal: Proposal | None, user) -> Proposal | None:
    """``proposal`` when the person may see it (``proposal_for``'s rule), else None."""
    if proposal is None or proposal.is_public:
        return proposal
    if user is not None and user.is_authenticated:
        if proposal.author_id == user.pk:
            return proposal
        if user.has_perm("participation.moderate") or user.has_perm("participation.decide"):
            return proposal
    return None


def proposal_for_opinion_at(consultation_slug: str, slug: str, user=None) -> Proposal | None:
    """``proposal_for`` for the opinion POST (the write's hot path, docs/benchmarks.md):
    the same visibility rule, only the columns the write needs, and its consultation
    (visible, as for ``consultation_by_slug``; its long texts left deferred) read in
    the same query. None when either is missing or the proposal is hidden from the
    person. The statement is written once from the models' fields, not built by the
    ORM on every write: building it was a third of the write's CPU."""
    sql, consultation_fields, proposal_fields = _opinion_lookup()
    # A signed-in person's account facts come in the same statement (rules.account_status
    # would read them next): one round trip less on every write.
    account = getattr(user, "is_authenticated", False) and getattr(user, "_helice_participation", None) is None
    params = [*VISIBLE_STATUSES, consultation_slug, slug]
    if account:
        params = [user.pk, True, user.pk, *params]
    columns = (", " + participation_rules.account_flags_columns() % {"user": "%s"}) if account else ""
    sql = sql.replace(ACCOUNT_SLOT, columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    if account:
        *row, verified, blocked = row
        participation_rules.remember_account_flags(user, verified=bool(verified), blocked=bool(blocked))
    split = len(consultation_fields)
    consultation = _from_row(Consultation, consultation_fields, row[:split])
    proposal = _from_row(Proposal, proposal_fields, row[split:])
    proposal.consultation = consultation
    return _seen_by(proposal, user)


ACCOUNT_SLOT = " /* account */"


@functools.cache
def _opinion_lookup() -> tuple[str, list, list]:
    """The statement and the fields it reads, in the models' order."""
    qn = connection.ops.quote_name
    consultation_fields = [f for f in Consultation._meta.concrete_fields if not isinstance(f, models.TextField)]
    wanted = {Proposal._meta.get_field(name).attname for name in OPINION_WRITE_FIELDS}
    proposal_fields = [f for f in Proposal._meta.concrete_fields if f.attname in wanted]
    columns = [f"c.{qn(f.column)}" for f in consultation_fields] + [f"p.{qn(f.column)}" for f in proposal_fields]
    sql = (
        f"SELECT {', '.join(columns)}{ACCOUNT_SLOT} FROM {qn(Proposal._meta.db_table)} p"  # noqa: S608 - names from the models
        f" JOIN {qn(Consultation._meta.db_table)} c ON c.{qn('id')} = p.{qn(Proposal._meta.get_field('consultation').column)}"
        f" WHERE c.{qn(Consultation._meta.get_field('status').column)} IN ({', '.join(['%s'] * len(VISIBLE_STATUSES))})"
        f" AND c.{qn(Consultation._meta.get_field('slug').column)} = %s AND p.{qn(Proposal._meta.get_field('slug').column)} = %s"
    )
    return sql, consultation_fields, proposal_fields


def _from_row(model, fields, values):
    """A model instance from raw column values, through the fields' database
    converters (dates on SQLite, JSON), the others deferred."""
    converted = []
    for f, value in zip(fields, values, strict=True):
        expression = f.get_col(model._meta.db_table)
        for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
            value = converter(value, expression, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


@dataclass(frozen=True)
class Share:
    value: str
    label: str
    count: int
    percent: int  # rounded so that the parts add up to 100 when there is anything
    offset: int  # where the segment starts on a 0–100 bar


def shares(counts: dict[str, int], labels: dict[str, str]) -> list[Share]:
    """Counts in the order of ``labels`` as whole percentages adding up to 100
    (largest remainders), each with its offset on a 0–100 bar. The proposal page
    and the results page draw their bars from it."""
    total = sum(counts.get(k, 0) for k in labels)
    raw = {k: (counts.get(k, 0) * 100 / total if total else 0) for k in labels}
    percents = {k: int(v) for k, v in raw.items()}
    if total:
        for k in sorted(raw, key=lambda k: raw[k] - percents[k], reverse=True)[: 100 - sum(percents.values())]:
            percents[k] += 1
    result, offset = [], 0
    for k, label in labels.items():
        result.append(Share(k, str(label), counts.get(k, 0), percents[k], offset))
        offset += percents[k]
    return result


def _shares(counts: dict[str, int]) -> list[Share]:
    """Agree, mixed, disagree."""
    return shares(counts, dict(OpinionValue.choices))


def opinion_distribution(proposal: Proposal) -> list[Share]:
    """Agree, mixed, disagree: counts from the proposal's counters and shares."""
    return _shares({value: getattr(proposal, field) for value, field in COUNTER_FIELDS.items()})


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    total: int
    shares: list[Share]


def opinions_by_category(proposal: Proposal) -> list[CategoryRow]:
    """The distribution per participant category (as given at the time), the
    categories in their usual order, "not stated" last. One grouped query."""
    counts: dict[str, dict[str, int]] = {}
    for row in (
        Opinion.objects.filter(proposal=proposal)
        .values("participant_category", "value")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(row["participant_category"] or "", dict.fromkeys(OpinionValue.values, 0))[row["value"]] = row[
            "n"
        ]
    from django.utils.translation import gettext as _

    labels = {**dict(ParticipantCategory.choices), "": _("Category not stated")}
    order = [*ParticipantCategory.values, ""]
    return [
        CategoryRow(category, str(labels[category]), sum(counts[category].values()), _shares(counts[category]))
        for category in order
        if category in counts
    ]


def opinions_of(user, proposals) -> dict[int, str]:
    """The person's opinion on each of ``proposals``: {proposal id: value}."""
    return opinions_on(user, [p.pk for p in proposals])


def opinions_on(user, proposal_ids) -> dict[int, str]:
    """The person's opinion on each of the proposals ``proposal_ids``: {id: value}.
    No query for an anonymous visitor or no proposal."""
    if user is None or not user.is_authenticated or not proposal_ids:
        return {}
    return dict(Opinion.objects.filter(user=user, proposal_id__in=proposal_ids).values_list("proposal_id", "value"))


def ideas_awaiting(consultation: Consultation, user) -> QuerySet[Proposal]:
    """The person's own ideas not (or no longer) public, to tell them where they are."""
    if user is None or not user.is_authenticated:
        return Proposal.objects.none()
    return consultation.proposals.filter(author=user).exclude(state__in=PUBLIC_STATES).order_by("-created_at")


def history(proposal: Proposal):
    return proposal.changes.select_related("author").order_by("-at", "-pk")
