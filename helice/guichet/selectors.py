"""Read queries of the guichet, shared by the service list, its CSV export and
the API so that all three return the same services."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from helice.core import search
from helice.core.models import Sector
from helice.directory.models import Organization, PublicationStatus

from .models import Calendar, CallState, Need, Service, ServiceKind, Stage, retired_service_kinds

FACETS = ("kind", "need", "stage", "sector", "provider", "availability")
FACET_LABELS = {
    "kind": _("Kind of service"),
    "need": _("Need"),
    "stage": _("Company stage"),
    "sector": _("Sector"),
    "provider": _("Provider"),
    "availability": _("Availability"),
}


@dataclass
class ServiceFilters:
    q: str = ""
    kind: list[str] = field(default_factory=list)
    need: list[str] = field(default_factory=list)
    stage: list[str] = field(default_factory=list)
    sector: list[str] = field(default_factory=list)
    provider: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.q and not any(getattr(self, f) for f in FACETS)


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


def availability_q(state: str, today: datetime.date | None = None) -> Q:
    """The services in one call state, as a query (see Service.call_state)."""
    today = today or timezone.localdate()
    call = Q(calendar=Calendar.CALL)
    dated = Q(opens_on__isnull=False) | Q(closes_on__isnull=False)
    closed = call & Q(closes_on__lt=today)
    upcoming = call & Q(opens_on__gt=today) & ~closed
    return {
        CallState.PERMANENT: Q(calendar=Calendar.PERMANENT),
        CallState.CLOSED: closed,
        CallState.UPCOMING: upcoming,
        CallState.OPEN: call & dated & ~closed & ~Q(opens_on__gt=today),
        CallState.DATES_TBC: call & Q(opens_on__isnull=True, closes_on__isnull=True),
    }.get(state, Q(pk__in=[]))


def _facet_q(facet: str, values: list[str]) -> Q:
    if not values:
        return Q()
    if facet == "kind":
        return Q(kind__in=values)
    if facet == "need":  # a need matches its sub-needs too
        return Q(needs__code__in=values) | Q(needs__parent__code__in=values)
    if facet == "stage":
        return Q(stages__code__in=values)
    if facet == "sector":  # a service without sectors is open to every sector
        return Q(sectors__slug__in=values) | Q(sectors__isnull=True)
    if facet == "provider":
        return Q(providers__slug__in=values)
    condition = Q()
    for state in values:
        condition |= availability_q(state)
    return condition


def published_services() -> QuerySet[Service]:
    return Service.objects.published()


def _filtered(filters: ServiceFilters, *, skip: str | None = None) -> QuerySet[Service]:
    qs = published_services()
    if filters.q:
        qs = search.filter_documents(qs, search.parse_query(filters.q))
    for facet in FACETS:
        if facet != skip:
            values = getattr(filters, facet)
            if values:
                qs = qs.filter(pk__in=Service.objects.filter(_facet_q(facet, values)).values("pk"))
    return qs


def with_list_relations(qs: QuerySet[Service]) -> QuerySet[Service]:
    return qs.prefetch_related(
        Prefetch("providers", queryset=Organization.objects.only("id", "name", "slug", "acronym", "status")),
        "stages",
        "needs",
        "sectors",
    )


def service_search(filters: ServiceFilters) -> QuerySet[Service]:
    """The published services matching the filters, by name."""
    return with_list_relations(_filtered(filters)).order_by("name_key", "id")


def facet_options(filters: ServiceFilters) -> dict[str, list[FacetOption]]:
    """Each facet's values with the number of services each would give, counted
    with every other facet applied (a facet's own selection does not shrink it)."""
    options: dict[str, list[FacetOption]] = {}
    for facet in FACETS:
        base = _filtered(filters, skip=facet)
        selected = set(getattr(filters, facet))
        options[facet] = [
            FacetOption(value, label, count, value in selected) for value, label, count in _counts(facet, base)
        ]
    options["kind"] = _without_retired_kinds(options["kind"])
    return options


def _without_retired_kinds(options: list[FacetOption]) -> list[FacetOption]:
    """A retired kind (``GUICHET_RETIRED_SERVICE_KINDS``) stays in the facet only
    while it is selected (an old link) or some published service still has it."""
    retired = retired_service_kinds()
    if not retired:
        return options
    kept = set(published_services().filter(kind__in=retired).order_by().values_list("kind", flat=True).distinct())
    return [o for o in options if o.value not in retired or o.selected or o.value in kept]


def _counts(facet: str, base: QuerySet[Service]):
    ids = base.values("pk")
    if facet == "kind":
        counted = dict(Service.objects.filter(pk__in=ids).order_by().values_list("kind").annotate(n=Count("id")))
        return [(value, str(label), counted.get(value, 0)) for value, label in ServiceKind.choices]
    if facet == "need":
        rows = []
        for need in Need.objects.active().filter(parent__isnull=True):
            n = Service.objects.filter(pk__in=ids).filter(_facet_q("need", [need.code])).distinct().count()
            rows.append((need.code, need.name, n))
        return rows
    if facet == "stage":
        stages = Stage.objects.active().annotate(n=Count("services", filter=Q(services__in=ids), distinct=True))
        return [(s.code, s.name, s.n) for s in stages]
    if facet == "sector":
        universal = Service.objects.filter(pk__in=ids, sectors__isnull=True).count()
        sectors = Sector.objects.active().annotate(n=Count("services", filter=Q(services__in=ids), distinct=True))
        return [(s.slug, s.name, s.n + universal) for s in sectors]
    if facet == "provider":
        providers = (
            Organization.objects.filter(services__in=ids)
            .annotate(n=Count("services", filter=Q(services__in=ids), distinct=True))
            .order_by("name_key")
        )
        return [(o.slug, o.name, o.n) for o in providers]
    return [
        (state, str(label), Service.objects.filter(pk__in=ids).filter(availability_q(state)).count())
        for state, label in CallState.choices
    ]


def service_by_slug(slug: str) -> Service | None:
    return (
        published_services()
        .prefetch_related("providers", "needs__parent", "stages", "sectors")
        .filter(slug=slug)
        .first()
    )


def services_of(organization: Organization) -> list[Service]:
    """The published services an organisation provides (its detail page)."""
    return list(published_services().filter(providers=organization).order_by("name_key"))


_generalist: dict[tuple, Organization | None] = {}


def generalist_contact() -> Organization | None:
    """The organisation a person is sent to when nothing fits (settings), read at
    most once a minute per process: it is on every finder page."""
    slug = settings.GUICHET_GENERALIST_ORGANIZATION
    if not slug:
        return None
    key = (slug, int(time.monotonic() // 60))
    if key not in _generalist:
        _generalist.clear()
        _generalist[key] = Organization.objects.published().filter(slug=slug).first()
    return _generalist[key]


def understood_labels(understood) -> dict:
    """The understood needs and stage with their names, for showing them."""
    needs = {n.code: n.name for n in Need.objects.filter(code__in=understood.needs)}
    stage = Stage.objects.filter(code=understood.stage).first() if understood.stage else None
    return {
        "needs": [needs[code] for code in understood.needs if code in needs],
        "stage": stage.name if stage else "",
        "words": understood.shown_words,
    }


@dataclass
class PartnerServiceRow:
    """A service in its providers' partner space: whether a change waits for
    review, and the refusal when the latest decision on it refused a proposal."""

    service: Service
    pending: bool = False
    refusal: object = None  # the refused Revision (its reason), or None

    @property
    def is_new_proposal(self) -> bool:
        """A draft proposed by a partner, never published yet."""
        return self.service.publish_on_approval and self.service.status == PublicationStatus.DRAFT


def partner_services(organization: Organization, user) -> list[PartnerServiceRow]:
    """Every service (any status) the organisation provides and ``user`` may edit,
    with whether a change waits for review and the latest refusal (two queries)."""
    from helice.moderation.models import Revision, RevisionStatus

    services = list(
        Service.objects.filter(providers=organization).prefetch_related("providers").order_by("name_key", "id")
    )
    editable = [s for s in services if user is not None and user.has_perm("guichet.edit_service", s)]
    latest: dict[int, Revision] = {}
    revisions = (
        Revision.objects.filter(
            content_type__app_label="guichet", content_type__model="service", object_id__in=[s.pk for s in editable]
        )
        .exclude(status=RevisionStatus.SUPERSEDED)
        .only("id", "object_id", "status", "reason", "reviewed_at")
        .order_by("object_id", "-id")
    )
    for revision in revisions:
        latest.setdefault(revision.object_id, revision)
    rows = []
    for service in editable:
        last = latest.get(service.pk)
        rows.append(
            PartnerServiceRow(
                service,
                pending=last is not None and last.status == RevisionStatus.PENDING,
                refusal=last if last is not None and last.status == RevisionStatus.REJECTED else None,
            )
        )
    return rows


@dataclass
class CriterionInWords:
    label: str
    value: str
    retired: bool = False


def criteria_in_words(criteria: dict) -> list[CriterionInWords]:
    """A saved search's criteria (``models.normalise_criteria``) in words, in the
    current language, for its management page and its digests. A need, stage,
    sector or commune retired since (or unknown) is named and marked, never an
    error."""
    from django.utils.translation import gettext, ngettext

    from helice.core.models import Commune

    def named(model, key: str, code: str) -> tuple[str, bool]:
        found = model.objects.filter(**{key: code}).first()
        if found is None:
            return code, True
        return (found.name, not found.is_active)

    def shown(name: str, retired: bool) -> str:
        return gettext("%(name)s (retired from the list)") % {"name": name} if retired else name

    rows = []
    if criteria.get("q"):
        rows.append(CriterionInWords(gettext("Your words"), criteria["q"]))
    codes = criteria.get("need") or []
    if codes:
        needs = {n.code: n for n in Need.objects.filter(code__in=codes)}
        names = [shown(needs[c].name if c in needs else c, c not in needs or not needs[c].is_active) for c in codes]
        retired = any(c not in needs or not needs[c].is_active for c in codes)
        rows.append(CriterionInWords(gettext("Your needs"), ", ".join(names), retired))
    for name, label, model, key in (
        ("stage", gettext("Your company's stage"), Stage, "code"),
        ("sector", gettext("Your sector"), Sector, "slug"),
        ("commune", gettext("Your commune"), Commune, "insee_code"),
    ):
        if criteria.get(name):
            value, retired = named(model, key, criteria[name])
            rows.append(CriterionInWords(label, shown(value, retired), retired))
    if criteria.get("size") is not None:
        n = criteria["size"]
        rows.append(CriterionInWords(gettext("Headcount"), ngettext("%(n)d employee", "%(n)d employees", n) % {"n": n}))
    if criteria.get("age") is not None:
        n = criteria["age"]
        rows.append(
            CriterionInWords(gettext("Age of the company"), ngettext("%(n)d year", "%(n)d years", n) % {"n": n})
        )
    return rows


def describe_orientation_request(request) -> list[tuple[str, str]]:
    """The orientation-specific lines of a request (stage and needs, by name, the
    retired ones included) for the handlers' and requester's pages."""
    from django.utils.translation import gettext

    rows = []
    if request.stage:
        stage = Stage.objects.filter(code=request.stage).first()
        rows.append((gettext("Stage"), stage.name if stage else request.stage))
    if request.needs:
        names = dict(Need.objects.filter(code__in=request.needs).values_list("code", "name_fr"))
        if not (get_language() or "fr").startswith("fr"):
            names.update(
                {c: n for c, n in Need.objects.filter(code__in=request.needs).values_list("code", "name_en") if n}
            )
        rows.append((gettext("Needs"), ", ".join(names.get(code, code) for code in request.needs)))
    return rows
