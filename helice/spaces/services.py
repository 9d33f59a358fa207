"""Write operations of the spaces part (keyword-only, transactional)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from helice.core import search
from helice.core.models import Commune, Sector
from helice.core.services import TerritoryDataError, records_of, upsert
from helice.directory.models import LocationPrecision, Organization, PublicationStatus

from .models import PHASE_FIELDS, PathPhase, Space, SpaceKind


def space_reindex(*, space: Space) -> None:
    """Recompute the derived search fields of one space (every write path ends here:
    admin, dataset loader, moderation)."""
    document = space.build_search_document()
    key = search.name_key(space.name)
    Space.objects.filter(pk=space.pk).update(search_document=document, name_key=key)
    space.search_document, space.name_key = document, key
    if space.publish_on_approval and space.status == PublicationStatus.PUBLISHED:
        Space.objects.filter(pk=space.pk).update(publish_on_approval=False)
        space.publish_on_approval = False


def space_after_change(*, space: Space) -> None:
    """After a moderated change is applied (moderation's ``after_apply``): a draft
    proposed by a partner is published, then the search fields are recomputed."""
    if space.publish_on_approval and space.status == PublicationStatus.DRAFT:
        space.status = PublicationStatus.PUBLISHED
        space.save(update_fields=["status", "updated_at"])
    space_reindex(space=space)


@transaction.atomic
def space_availability_confirm(*, space: Space, units_available: int | None) -> Space:
    """Record the count of free units as true now (``units_available`` None: the
    operator does not publish a count). Permission is the caller's to check
    (``spaces.confirm_availability``)."""
    space = Space.objects.select_for_update().get(pk=space.pk)
    space.units_available = units_available
    space.availability_confirmed_at = timezone.now()
    space.save(update_fields=["units_available", "availability_confirmed_at", "updated_at"])
    return space


# --- the territory dataset (helice/core/data/<territory>/spaces/*.yaml) -------------------

SPACES_FOLDER = "spaces"
SPACE_TEXT_FIELDS = (
    "name",
    "name_en",
    "summary_fr",
    "summary_en",
    "description_fr",
    "description_en",
    "address",
    "postal_code",
    "price_range_fr",
    "price_range_en",
    "services_fr",
    "services_en",
    "equipment_fr",
    "equipment_en",
    "access_conditions_fr",
    "access_conditions_en",
    "accessibility_fr",
    "accessibility_en",
    "opening_hours_fr",
    "opening_hours_en",
    "contact_email",
    "contact_phone",
    "website",
    "plan_status",
    "plan_horizon",
    "plan_note_fr",
    "plan_note_en",
)
SPACE_NUMBER_FIELDS = (
    "total_surface_m2",
    "unit_count",
    "unit_size_min_m2",
    "unit_size_max_m2",
    "max_stay_months",
)
SPACE_FIELDS = {
    *SPACE_TEXT_FIELDS,
    *SPACE_NUMBER_FIELDS,
    "slug",
    "kind",
    "operators",
    "sectors",
    "phases",
    "commune",
    "latitude",
    "longitude",
    "selection_required",
    "wheelchair_accessible",
    "status",
    "source",
}
DERIVED_FIELDS = ("search_document", "name_key")


def space_files(path) -> list:
    folder = Path(path) / SPACES_FOLDER
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


@transaction.atomic
def spaces_load(*, path) -> dict[str, int]:
    """Create or update the spaces described in ``<territory>/spaces/*.yaml``,
    matched by slug, with their operators (organisation slugs), sectors (slugs),
    phases and commune (INSEE code). A space with a commune but no coordinates is
    placed at the commune's centre, marked approximate, as organisations are
    (docs/data.md). Availability is never loaded: it is the operators' to confirm.
    Every record is validated; the first invalid one raises TerritoryDataError
    naming it, and nothing is loaded."""
    counts = {"created": 0, "updated": 0, "total": 0}
    seen: dict[str, str] = {}
    for file in space_files(path):
        records, file_source = records_of(file, "spaces")
        for index, record in enumerate(records):
            label = f"{file.name}: space “{record.get('slug') or record.get('name') or index}”"
            unknown = set(record) - SPACE_FIELDS
            if unknown:
                raise TerritoryDataError(f"{label}: unknown field(s) {', '.join(sorted(unknown))}.")
            missing = [k for k in ("name", "slug", "kind", "source") if not record.get(k)]
            if missing:
                raise TerritoryDataError(f"{label}: missing field(s) {', '.join(missing)}.")
            if record["kind"] not in SpaceKind.values:
                raise TerritoryDataError(f"{label}: unknown kind {record['kind']}.")
            phases = [str(p) for p in record.get("phases") or []]
            wrong = [p for p in phases if p not in PathPhase.values]
            if wrong:
                raise TerritoryDataError(f"{label}: unknown phase(s) {', '.join(wrong)}.")
            slug = str(record["slug"])
            if slug in seen:
                raise TerritoryDataError(f"{label}: slug already used in {seen[slug]}.")
            seen[slug] = file.name
            values = {field: str(record.get(field) or "").strip() for field in SPACE_TEXT_FIELDS}
            values.update({field: record.get(field) for field in SPACE_NUMBER_FIELDS})
            values.update({field_name: phase in phases for phase, field_name in PHASE_FIELDS.items()})
            values.update(
                slug=slug,
                kind=record["kind"],
                selection_required=record.get("selection_required"),
                wheelchair_accessible=record.get("wheelchair_accessible"),
                status=record.get("status") or PublicationStatus.PUBLISHED,
                source="\n".join(s for s in (str(record["source"]).strip(), file_source) if s),
            )
            commune = None
            if record.get("commune"):
                commune = Commune.objects.filter(insee_code=str(record["commune"])).first()
                if commune is None:
                    raise TerritoryDataError(f"{label}: unknown commune {record['commune']}.")
            values["commune"] = commune
            latitude, longitude = record.get("latitude"), record.get("longitude")
            if latitude is not None or longitude is not None:
                values.update(latitude=latitude, longitude=longitude, location_precision=LocationPrecision.ADDRESS)
            elif commune is not None and commune.latitude is not None:
                values.update(
                    latitude=commune.latitude,
                    longitude=commune.longitude,
                    location_precision=LocationPrecision.COMMUNE,
                )
            else:
                values.update(latitude=None, longitude=None, location_precision="")
            operators = _by_key(Organization, "slug", record.get("operators"), label, "operator(s)")
            sectors = _by_key(Sector, "slug", record.get("sectors"), label, "sector(s)")
            space, created = upsert(Space, key="slug", values=values, label=label, exclude_from_clean=DERIVED_FIELDS)
            space.operators.set(operators)
            space.sectors.set(sectors)
            space_reindex(space=space)
            counts["created" if created else "updated"] += 1
            counts["total"] += 1
    return counts


def _by_key(model, key: str, values, label: str, what: str) -> list:
    values = [str(v) for v in values or []]
    found = {getattr(o, key): o for o in model.objects.filter(**{f"{key}__in": values})}
    unknown = [v for v in values if v not in found]
    if unknown:
        raise TerritoryDataError(f"{label}: unknown {what} {', '.join(unknown)}.")
    return [found[v] for v in values]


# --- settlement requests (docs/requests.md, "Settlement requests") -------------------------


def settlement_request_send(*, spaces: list[Space], route: bool, data: dict, submission_key, user=None):
    """Send a settlement request through the request engine (helice.referrals):
    one case per operating organisation of the spaces chosen (the space is the
    case's subject), and a case for the metropolis's team when the person asks it
    to route the request, or when a space chosen has no published operator (so the
    request never waits unseen). Same guarantees as an orientation request:
    stored first, confirmed by the address, one request per submission key."""
    from helice.referrals import services as referrals
    from helice.referrals.models import RequestKind

    targets, orphan = [], False
    for space in spaces:
        operators = [o for o in space.operators.all() if o.status == PublicationStatus.PUBLISHED]
        operators.sort(key=lambda organization: organization.pk)
        orphan = orphan or not operators
        targets += [referrals.Target(organization=operator, subject=space) for operator in operators]
    return referrals.request_create(
        kind=RequestKind.SETTLEMENT,
        targets=targets,
        route_to_team=route or orphan or not targets,
        submission_key=submission_key,
        data=data,
        user=user,
    )


@transaction.atomic
def priority_neighbourhoods_replace(*, neighbourhoods, source: str) -> dict[str, int]:
    """Make the territory's priority neighbourhoods those of ``neighbourhoods``
    (``neighbourhoods.read``) that lie in one of its active communes: created or
    updated by code, and the ones the list no longer holds removed. All or
    nothing. Returns the counts."""
    from .models import PriorityNeighbourhood

    communes = {c.insee_code: c for c in Commune.objects.active()}
    now = timezone.now()
    kept, counts = [], {"created": 0, "updated": 0, "deleted": 0, "outside": 0}
    for item in neighbourhoods:
        commune = next((communes[code] for code in item.communes if code in communes), None)
        if commune is None:
            counts["outside"] += 1
            continue
        _row, created = PriorityNeighbourhood.objects.update_or_create(
            code=item.code,
            defaults={
                "name": item.name,
                "commune": commune,
                "latitude": item.latitude,
                "longitude": item.longitude,
                "source": source[:300],
                "imported_at": now,
            },
        )
        counts["created" if created else "updated"] += 1
        kept.append(item.code)
    counts["deleted"], _detail = PriorityNeighbourhood.objects.exclude(code__in=kept).delete()
    return counts
