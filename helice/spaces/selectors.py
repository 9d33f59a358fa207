"""Read queries of the spaces part, shared by the list, the map, the CSV export and
the API so that all of them return the same spaces."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helice.core import search
from helice.core.models import Commune, Sector
from helice.directory.models import Organization, PublicationStatus

from .models import PHASE_FIELDS, PathPhase, PlanStatus, Space, SpaceKind, availability_cutoff

FACETS = ("kind", "stage", "sector", "commune", "status")
FACET_LABELS = {
    "kind": _("Kind of space"),
    "stage": _("Phase of the company path"),
    "sector": _("Sector"),
    "commune": _("Commune"),
    "status": _("Status in the plan"),
    "available": _("Availability"),
}


@dataclass
class SpaceFilters:
    q: str = ""
    kind: list[str] = field(default_factory=list)
    stage: list[str] = field(default_factory=list)
    sector: list[str] = field(default_factory=list)
    commune: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    available: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.q and not self.available and not any(getattr(self, f) for f in FACETS)


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


def published_spaces() -> QuerySet[Space]:
    return Space.objects.published()


def _facet_q(facet: str, values: list[str]) -> Q:
    if facet == "kind":
        return Q(kind__in=values)
    if facet == "stage":
        condition = Q()
        for phase in values:
            condition |= Q(**{PHASE_FIELDS[PathPhase(phase)]: True})
        return condition
    if facet == "sector":  # a space without sectors is open to every sector
        return Q(sectors__slug__in=values) | Q(sectors__isnull=True)
    if facet == "commune":
        return Q(commune__slug__in=values)
    return Q(plan_status__in=[value if value != "none" else "" for value in values])


def _filtered(filters: SpaceFilters, *, skip: str | None = None, now=None) -> QuerySet[Space]:
    qs = published_spaces()
    if filters.q:
        qs = search.filter_documents(qs, search.parse_query(filters.q))
    for facet in FACETS:
        values = getattr(filters, facet)
        if facet != skip and values:
            if facet == "sector":  # a join: filter by ids so the rows are not repeated
                qs = qs.filter(pk__in=Space.objects.filter(_facet_q(facet, values)).values("pk"))
            else:
                qs = qs.filter(_facet_q(facet, values))
    if filters.available and skip != "available":
        # Never a stale count: only availability confirmed within the allowed age.
        qs = qs.with_units_available(now)
    return qs


def with_list_relations(qs: QuerySet[Space]) -> QuerySet[Space]:
    return qs.select_related("commune").prefetch_related(
        Prefetch("operators", queryset=Organization.objects.only("id", "name", "slug", "acronym", "status")),
        Prefetch("sectors", queryset=Sector.objects.only("id", "slug", "name_fr", "name_en", "position")),
    )


def space_search(filters: SpaceFilters, *, now=None) -> QuerySet[Space]:
    """The published spaces matching the filters, by name."""
    return with_list_relations(_filtered(filters, now=now)).order_by("name_key", "id")


def facet_options(filters: SpaceFilters) -> dict[str, list[FacetOption]]:
    """Each facet's values with the number of spaces each would give, counted with
    every other facet applied (a facet's own selection does not shrink it)."""
    options: dict[str, list[FacetOption]] = {}
    for facet in FACETS:
        ids = _filtered(filters, skip=facet).values("pk")
        selected = set(getattr(filters, facet))
        options[facet] = [FacetOption(v, label, n, v in selected) for v, label, n in _counts(facet, ids)]
    base = _filtered(filters, skip="available")
    options["available"] = [
        FacetOption(
            "1",
            str(_("Units available now (recently confirmed)")),
            base.with_units_available().count(),
            filters.available,
        )
    ]
    return options


def _counts(facet: str, ids):
    spaces = Space.objects.filter(pk__in=ids)
    if facet == "kind":
        counted = dict(spaces.order_by().values_list("kind").annotate(n=Count("id")))
        return [(value, str(label), counted.get(value, 0)) for value, label in SpaceKind.choices if counted.get(value)]
    if facet == "stage":
        counted = spaces.aggregate(
            **{phase: Count("id", filter=Q(**{field_name: True})) for phase, field_name in PHASE_FIELDS.items()}
        )
        return [(phase, str(PathPhase(phase).label), counted[phase]) for phase in PHASE_FIELDS]
    if facet == "sector":
        universal = spaces.filter(sectors__isnull=True).count()
        sectors = Sector.objects.active().annotate(n=Count("spaces", filter=Q(spaces__in=ids), distinct=True))
        return [(s.slug, s.name, s.n + universal) for s in sectors]
    if facet == "commune":
        communes = (
            Commune.objects.filter(spaces__in=ids)
            .annotate(n=Count("spaces", filter=Q(spaces__in=ids), distinct=True))
            .order_by("name")
        )
        return [(c.slug, c.name, c.n) for c in communes]
    counted = dict(spaces.order_by().values_list("plan_status").annotate(n=Count("id")))
    rows = [(value, str(label), counted.get(value, 0)) for value, label in PlanStatus.choices]
    rows.append(("none", str(_("Not stated by the plan")), counted.get("", 0)))
    return [row for row in rows if row[2]]


def space_by_slug(slug: str, user=None) -> Space | None:
    """A published space, or a draft for those who may see it (its operators'
    members, moderators)."""
    space = (
        Space.objects.select_related("commune")
        .prefetch_related("operators", "sectors", "photos")
        .filter(slug=slug)
        .first()
    )
    if space is None:
        return None
    if space.status == PublicationStatus.PUBLISHED:
        return space
    if user is not None and user.has_perm("spaces.view_space_draft", space):
        return space
    return None


def spaces_of(organization: Organization) -> list[Space]:
    """The published spaces an organisation runs (its detail page)."""
    return list(published_spaces().filter(operators=organization).select_related("commune").order_by("name_key"))


def partner_spaces(organization: Organization) -> list[Space]:
    """Every space an organisation runs, drafts included (its partner-space page)."""
    return list(Space.objects.filter(operators=organization).select_related("commune").order_by("name_key", "id"))


def latest_decisions(spaces: list[Space]) -> dict[int, object]:
    """The latest revision (superseded ones skipped) of each space, by space id, in
    one query: whether a change waits for review, or the last proposal was refused."""
    from helice.moderation.models import Revision, RevisionStatus

    latest: dict[int, object] = {}
    revisions = (
        Revision.objects.filter(
            content_type__app_label="spaces", content_type__model="space", object_id__in=[s.pk for s in spaces]
        )
        .exclude(status=RevisionStatus.SUPERSEDED)
        .only("id", "object_id", "status", "reason", "reviewed_at")
        .order_by("object_id", "-id")
    )
    for revision in revisions:
        latest.setdefault(revision.object_id, revision)
    return latest


def with_moderation_state(spaces: list[Space]) -> list[Space]:
    """Mark each space with ``change_pending`` and ``refusal`` (the refused
    revision, its reason shown to the operator's members) for the partner space."""
    from helice.moderation.models import RevisionStatus

    latest = latest_decisions(spaces)
    for space in spaces:
        last = latest.get(space.pk)
        space.change_pending = last is not None and last.status == RevisionStatus.PENDING
        space.refusal = last if last is not None and last.status == RevisionStatus.REJECTED else None
    return spaces


def spaces_needing_confirmation(now: datetime.datetime | None = None, *, reminded_before=None) -> QuerySet[Space]:
    """Published spaces whose availability is older than the allowed age (or was
    never confirmed), not reminded since ``reminded_before``, that have operators."""
    now = now or timezone.now()
    qs = (
        published_spaces()
        .availability_stale(now)
        .filter(operators__isnull=False)
        .exclude(plan_status=PlanStatus.TO_CREATE)
    )
    if reminded_before is not None:
        qs = qs.filter(Q(availability_reminded_at__isnull=True) | Q(availability_reminded_at__lt=reminded_before))
    return qs.distinct().prefetch_related("operators").order_by("name_key", "id")


def stale_before(now=None) -> datetime.datetime:
    return availability_cutoff(now)
