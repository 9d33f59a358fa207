"""Write operations of the guichet: the taxonomy and services of a territory's
dataset, and the search fields of services."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from helice.core import search
from helice.core.models import Sector
from helice.core.services import TerritoryDataError, read_yaml, records_of, upsert
from helice.directory.models import Organization, PublicationStatus

from .models import Calendar, Need, Service, ServiceKind, Stage

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "taxonomy.yaml"
SERVICES_FOLDER = "services"

SERVICE_TEXT_FIELDS = (
    "name",
    "name_en",
    "summary_fr",
    "summary_en",
    "description_fr",
    "description_en",
    "eligibility_fr",
    "eligibility_en",
    "amount_note_fr",
    "amount_note_en",
    "cost_fr",
    "cost_en",
    "how_to_apply_fr",
    "how_to_apply_en",
    "contact_email",
    "contact_phone",
    "website",
    "status_note_fr",
    "status_note_en",
)
SERVICE_FIELDS = {
    *SERVICE_TEXT_FIELDS,
    "slug",
    "kind",
    "providers",
    "needs",
    "stages",
    "sectors",
    "calendar",
    "opens_on",
    "closes_on",
    "max_company_age_years",
    "max_headcount",
    "amount_min",
    "amount_max",
    "status",
    "sources",
}
DERIVED_FIELDS = ("search_document", "name_key")


def service_reindex(*, service: Service) -> None:
    """Recompute the derived search fields of one service."""
    document = service.build_search_document()
    key = search.name_key(service.name)
    # updated_at is stamped too: the finder's snapshot (matching.py) follows it.
    now = timezone.now()
    Service.objects.filter(pk=service.pk).update(search_document=document, name_key=key, updated_at=now)
    service.search_document, service.name_key, service.updated_at = document, key, now
    from . import matching  # the finder reads this process's own writes at once

    matching.mark_stale()
    transaction.on_commit(matching.mark_stale)


@transaction.atomic
def taxonomy_load(*, path: Path | str = TAXONOMY_FILE) -> dict[str, int]:
    """Create or update the stages and needs (two levels) of the taxonomy file,
    matched by code. Codes absent from the file are left as they are (retire
    them with ``active: false``, never delete them)."""
    document = read_yaml(Path(path))
    if not isinstance(document, dict):
        raise TerritoryDataError(f"{path}: expected a mapping with “stages” and “needs”.")
    counts = {"created": 0, "updated": 0, "total": 0}
    for position, record in enumerate(document.get("stages") or []):
        values = _reference_values(record, position, f"{Path(path).name}: stage")
        _stage, created = upsert(Stage, key="code", values=values, label=f"stage “{values['code']}”")
        _count(counts, created)
    for position, record in enumerate(document.get("needs") or []):
        parent_values = _reference_values(record, position * 100, f"{Path(path).name}: need")
        parent, created = upsert(
            Need, key="code", values={**parent_values, "parent": None}, label=f"need “{parent_values['code']}”"
        )
        _count(counts, created)
        for child_position, child in enumerate(record.get("children") or []):
            values = _reference_values(child, position * 100 + child_position + 1, f"need “{parent.code}”")
            _need, created = upsert(
                Need, key="code", values={**values, "parent": parent}, label=f"need “{values['code']}”"
            )
            _count(counts, created)
    return counts


def _count(counts: dict[str, int], created: bool) -> None:
    counts["created" if created else "updated"] += 1
    counts["total"] += 1


def _reference_values(record, position: int, label: str) -> dict:
    if not isinstance(record, dict) or not record.get("code") or not record.get("name_fr"):
        raise TerritoryDataError(f"{label}: each entry needs a code and a name_fr.")
    return {
        "code": str(record["code"]),
        "name_fr": str(record["name_fr"]),
        "name_en": str(record.get("name_en") or ""),
        "position": position,
        "is_active": bool(record.get("active", True)),
    }


def service_files(path: Path | str) -> list[Path]:
    folder = Path(path) / SERVICES_FOLDER
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def _codes(model, values, label: str, what: str, key: str = "code") -> list:
    values = [str(v) for v in values or []]
    found = {getattr(o, key): o for o in model.objects.filter(**{f"{key}__in": values})}
    unknown = [v for v in values if v not in found]
    if unknown:
        raise TerritoryDataError(f"{label}: unknown {what} {', '.join(unknown)}.")
    return [found[v] for v in values]


def _date(value, label: str, field: str):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise TerritoryDataError(f"{label}: {field} must be a date (YYYY-MM-DD).") from None


@transaction.atomic
def services_load(*, path: Path | str) -> dict[str, int]:
    """Create or update the services described in ``<territory>/services/*.yaml``,
    matched by slug, with their providers (organisation slugs), needs, stages and
    sectors. Every record is validated; the first invalid one raises
    :class:`TerritoryDataError` naming it and nothing is loaded."""
    counts = {"created": 0, "updated": 0, "total": 0}
    seen: dict[str, str] = {}
    for file in service_files(path):
        records, source = records_of(file, "services")
        for index, record in enumerate(records):
            label = f"{file.name}: service “{record.get('slug') or record.get('name') or index}”"
            unknown = set(record) - SERVICE_FIELDS
            if unknown:
                raise TerritoryDataError(f"{label}: unknown field(s) {', '.join(sorted(unknown))}.")
            missing = [k for k in ("name", "slug", "kind", "providers") if not record.get(k)]
            if missing:
                raise TerritoryDataError(f"{label}: missing field(s) {', '.join(missing)}.")
            if record["kind"] not in ServiceKind.values:
                raise TerritoryDataError(f"{label}: unknown kind {record['kind']}.")
            slug = str(record["slug"])
            if slug in seen:
                raise TerritoryDataError(f"{label}: slug already used in {seen[slug]}.")
            seen[slug] = file.name
            values = {field: str(record.get(field) or "").strip() for field in SERVICE_TEXT_FIELDS}
            values.update(
                slug=slug,
                kind=record["kind"],
                calendar=record.get("calendar") or Calendar.PERMANENT,
                opens_on=_date(record.get("opens_on"), label, "opens_on"),
                closes_on=_date(record.get("closes_on"), label, "closes_on"),
                max_company_age_years=record.get("max_company_age_years"),
                max_headcount=record.get("max_headcount"),
                amount_min=record.get("amount_min"),
                amount_max=record.get("amount_max"),
                status=record.get("status") or PublicationStatus.PUBLISHED,
                sources=str(record.get("sources") or source or "").strip(),
            )
            providers = _codes(Organization, record.get("providers"), label, "provider(s)", key="slug")
            needs = _codes(Need, record.get("needs"), label, "need(s)")
            stages = _codes(Stage, record.get("stages"), label, "stage(s)")
            sectors = _codes(Sector, record.get("sectors"), label, "sector(s)", key="slug")
            service, created = upsert(
                Service, key="slug", values=values, label=label, exclude_from_clean=DERIVED_FIELDS
            )
            service.providers.set(providers)
            service.needs.set(needs)
            service.stages.set(stages)
            service.sectors.set(sectors)
            service_reindex(service=service)
            _count(counts, created)
    return counts
