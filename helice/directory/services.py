"""Write operations on the directory. Every write goes through here."""

import datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from helice.core import search
from helice.core.models import Commune, Sector
from helice.core.services import TerritoryDataError, describe_validation_error, records_of, upsert

from . import search_index
from .models import InternationalActivity, LocationPrecision, Organization, PublicationStatus, SearchChange, Tag


def record_search_change(*organization_ids: int) -> None:
    """Tell the search index (search_index.py) that these organisations changed.
    Written in the caller's transaction, so the index sees it at commit."""
    SearchChange.objects.bulk_create([SearchChange(organization_id=pk) for pk in organization_ids if pk])
    search_index.mark_stale()  # this process reads its own writes at once...
    transaction.on_commit(search_index.mark_stale)  # ...including after commit


def prune_search_log(*, days: int) -> int:
    """Delete change-log entries older than ``days``, always keeping the newest one
    (the entry every up-to-date index stands on). Returns how many were deleted."""
    newest = SearchChange.objects.order_by("-id").values_list("id", flat=True).first()
    if newest is None:
        return 0
    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted, _ = SearchChange.objects.filter(created_at__lt=cutoff, id__lt=newest).delete()
    return deleted


def organization_reindex(*, organization: Organization) -> None:
    """Recompute the derived search fields of one organisation."""
    document = organization.build_search_document()
    key = search.name_key(organization.name)
    Organization.objects.filter(pk=organization.pk).update(search_document=document, name_key=key)
    record_search_change(organization.pk)
    organization.search_document, organization.name_key = document, key


@transaction.atomic
def organization_reindex_all(*, queryset=None) -> int:
    qs = (
        (queryset if queryset is not None else Organization.objects.all())
        .select_related("commune")
        .prefetch_related("sectors", "tags")
    )
    count = 0
    for organization in qs.iterator(chunk_size=2000):
        organization_reindex(organization=organization)
        count += 1
    return count


def organization_set_trust(*, organization: Organization, trusted: bool, by) -> Organization:
    """Let an organisation's members publish their changes without review, or not."""
    if not by.has_perm("directory.set_trust", organization):
        raise PermissionDenied
    Organization.objects.filter(pk=organization.pk).update(is_trusted=trusted)
    organization.is_trusted = trusted
    return organization


# --- Territory dataset ------------------------------------------------------------

ORGANIZATIONS_FILE = "organizations.yaml"
ORGANIZATIONS_FOLDER = "organizations"

ORGANIZATION_FIELDS = {
    "name",
    "slug",
    "acronym",
    "kind",
    "helix",
    "sectors",
    "naf_code",
    "siren",
    "siret",
    "address",
    "postal_code",
    "commune",
    "latitude",
    "longitude",
    "location_precision",
    "website",
    "description_fr",
    "description_en",
    "founding_year",
    "headcount_band",
    "tags",
    "international_activities",
    "status",
    "sources",
}
INTERNATIONAL_FIELDS = {"country", "kind", "note"}
# Computed by organization_reindex(), not validated on load.
DERIVED_FIELDS = ("search_document", "name_key")


def organization_files(path) -> list[Path]:
    """The YAML files of organisations at ``path``: the file itself, or in a
    territory folder ``organizations.yaml`` and/or ``organizations/*.yaml``."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise TerritoryDataError(f"{path}: no such file or folder.")
    files = []
    if (path / ORGANIZATIONS_FILE).is_file():
        files.append(path / ORGANIZATIONS_FILE)
    if (path / ORGANIZATIONS_FOLDER).is_dir():
        files += sorted((path / ORGANIZATIONS_FOLDER).glob("*.yaml"))
    if not files:
        raise TerritoryDataError(f"{path}: no {ORGANIZATIONS_FILE} nor {ORGANIZATIONS_FOLDER}/*.yaml.")
    return files


def _tags_for(names: list[str], label: str) -> list[Tag]:
    tags = []
    for name in names:
        slug = slugify(str(name))
        if not slug:
            raise TerritoryDataError(f"{label}: the tag “{name}” has no usable letters.")
        tag, _ = Tag.objects.get_or_create(slug=slug, defaults={"name": str(name)[:80]})
        tags.append(tag)
    return tags


def _sync_international(organization: Organization, activities: list[dict], label: str) -> None:
    wanted = []
    for activity in activities:
        if not isinstance(activity, dict):
            raise TerritoryDataError(f"{label}: each international activity must be a mapping.")
        unknown = set(activity) - INTERNATIONAL_FIELDS
        if unknown:
            raise TerritoryDataError(f"{label}: unknown international activity field(s) {', '.join(sorted(unknown))}.")
        country = str(activity.get("country") or "").upper()
        kind = activity.get("kind") or ""
        item = InternationalActivity.objects.filter(organization=organization, country=country, kind=kind).first()
        item = item or InternationalActivity(organization=organization, country=country, kind=kind)
        item.note = activity.get("note") or ""
        try:
            item.full_clean()
        except ValidationError as error:
            raise TerritoryDataError(
                f"{label}: international activity {country or '?'}/{kind or '?'}: {describe_validation_error(error)}"
            ) from None
        item.save()
        wanted.append(item.pk)
    organization.international_activities.exclude(pk__in=wanted).delete()


def _organization_values(record: dict, *, label: str, sectors: dict, communes: dict, source: str) -> tuple[dict, dict]:
    """Model field values of one YAML record, and its relations."""
    unknown = set(record) - ORGANIZATION_FIELDS
    if unknown:
        raise TerritoryDataError(f"{label}: unknown field(s) {', '.join(sorted(unknown))}.")
    missing = [k for k in ("name", "slug", "kind", "helix") if not record.get(k)]
    if missing:
        raise TerritoryDataError(f"{label}: missing field(s) {', '.join(missing)}.")
    values = {
        field: record.get(field) if record.get(field) is not None else ""
        for field in (
            "name",
            "slug",
            "acronym",
            "kind",
            "helix",
            "naf_code",
            "siren",
            "siret",
            "address",
            "postal_code",
            "website",
            "description_fr",
            "description_en",
            "headcount_band",
            "location_precision",
        )
    }
    values["siren"], values["siret"] = str(values["siren"]), str(values["siret"])
    values["postal_code"] = str(values["postal_code"])
    values["founding_year"] = record.get("founding_year")
    values["status"] = record.get("status") or PublicationStatus.PUBLISHED
    values["sources"] = str(record.get("sources") or source or "").strip()

    sector_slugs = record.get("sectors") or []
    unknown_sectors = [s for s in sector_slugs if s not in sectors]
    if unknown_sectors:
        raise TerritoryDataError(f"{label}: unknown sector(s) {', '.join(map(str, unknown_sectors))}.")
    commune = None
    if record.get("commune"):
        commune = communes.get(str(record["commune"]))
        if commune is None:
            raise TerritoryDataError(f"{label}: unknown commune (INSEE code) {record['commune']}.")
    values["commune"] = commune

    latitude, longitude = record.get("latitude"), record.get("longitude")
    if (latitude is None) != (longitude is None):
        raise TerritoryDataError(f"{label}: give both latitude and longitude, or neither.")
    if latitude is not None:
        values["latitude"], values["longitude"] = latitude, longitude
        values["location_precision"] = values["location_precision"] or LocationPrecision.ADDRESS
    elif commune is not None and commune.latitude is not None and commune.longitude is not None:
        # Only the commune is known: its centre, flagged as approximate.
        values["latitude"], values["longitude"] = commune.latitude, commune.longitude
        values["location_precision"] = LocationPrecision.COMMUNE
    else:
        values["latitude"] = values["longitude"] = None
        values["location_precision"] = ""

    relations = {
        "sectors": [sectors[s] for s in sector_slugs],
        "tags": record.get("tags") or [],
        "international_activities": record.get("international_activities") or [],
    }
    return values, relations


@transaction.atomic
def organizations_load(*, path, default_status: str | None = None, reindex: bool = True) -> dict[str, int]:
    """Create or update the organisations described in YAML at ``path`` (a file or
    a territory folder), matched by slug, with their sectors, commune, tags and
    international activities.

    An organisation with a commune but no coordinates gets the commune's centre
    and ``location_precision = "commune"``. Every record goes through
    ``full_clean()``; the first invalid one raises :class:`TerritoryDataError`
    naming it, and the whole load is rolled back. Organisations absent from the
    files are left untouched. Search fields are recomputed at the end."""
    sectors = {s.slug: s for s in Sector.objects.all()}
    communes = {c.insee_code: c for c in Commune.objects.all()}
    counts = {"created": 0, "updated": 0, "total": 0}
    seen: dict[str, str] = {}
    loaded: list[Organization] = []
    for file in organization_files(path):
        records, source = records_of(file, "organizations")
        for index, record in enumerate(records):
            label = f"{file.name}: organisation “{record.get('slug') or record.get('name') or index}”"
            values, relations = _organization_values(
                record, label=label, sectors=sectors, communes=communes, source=source
            )
            if default_status and not record.get("status"):
                values["status"] = default_status
            if values["slug"] in seen:
                raise TerritoryDataError(f"{label}: slug already used in {seen[values['slug']]}.")
            seen[values["slug"]] = file.name
            organization, created = upsert(
                Organization, key="slug", values=values, label=label, exclude_from_clean=DERIVED_FIELDS
            )
            organization.sectors.set(relations["sectors"])
            organization.tags.set(_tags_for(relations["tags"], label))
            _sync_international(organization, relations["international_activities"], label)
            loaded.append(organization)
            counts["created" if created else "updated"] += 1
            counts["total"] += 1
    if reindex:
        for organization in loaded:
            organization_reindex(organization=organization)
    return counts
