"""Write operations on the shared reference data (priority domains, sectors, communes).

The territory's reference data ships as readable YAML files in
``helice/core/data/<territory>/`` and is loaded by :func:`territory_load_reference`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction

from .models import Commune, PriorityDomain, Sector

DATA_ROOT = Path(__file__).resolve().parent / "data"

PRIORITY_DOMAINS_FILE = "priority_domains.yaml"
SECTORS_FILE = "sectors.yaml"
COMMUNES_FILE = "communes.yaml"


class TerritoryDataError(Exception):
    """A territory data file is missing, unreadable or holds an invalid record.
    The message names the file and the record."""


def territory_names() -> list[str]:
    """Territories that ship a dataset: the folders of ``helice/core/data``."""
    if not DATA_ROOT.is_dir():
        return []
    return sorted(p.name for p in DATA_ROOT.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def territory_path(name: str) -> Path:
    """The data folder of a territory; :class:`TerritoryDataError` when there is none."""
    available = territory_names()
    if name not in available:
        raise TerritoryDataError(
            f"Unknown territory “{name}”. Available territories: {', '.join(available) or 'none'}."
        )
    return DATA_ROOT / name


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise TerritoryDataError(f"{path}: file not found.") from None
    except yaml.YAMLError as error:
        raise TerritoryDataError(f"{path}: invalid YAML: {error}") from None


def records_of(path: Path, key: str) -> tuple[list[dict], str]:
    """The list of records under ``key`` in a data file, and the file's ``source``."""
    document = read_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        raise TerritoryDataError(f"{path}: expected a mapping with a “{key}” list.")
    for index, record in enumerate(document[key]):
        if not isinstance(record, dict):
            raise TerritoryDataError(f"{path}: {key}[{index}] is not a mapping.")
    return document[key], str(document.get("source") or "").strip()


def describe_validation_error(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in error.message_dict.items()
        )
    return " ".join(str(m) for m in error.messages)


def upsert(
    model: type[models.Model],
    *,
    key: str,
    values: dict[str, Any],
    label: str,
    exclude_from_clean: tuple[str, ...] = (),
) -> tuple[models.Model, bool]:
    """Create or update the record whose natural ``key`` equals ``values[key]``,
    validated with ``full_clean()``. Returns the instance and whether it was created."""
    instance = model.objects.filter(**{key: values[key]}).first()
    created = instance is None
    if created:
        instance = model()
    for field, value in values.items():
        setattr(instance, field, value)
    try:
        instance.full_clean(exclude=list(exclude_from_clean) or None)
    except ValidationError as error:
        raise TerritoryDataError(f"{label}: {describe_validation_error(error)}") from None
    instance.save()
    return instance, created


def _check_keys(record: dict, allowed: set[str], required: set[str], label: str) -> None:
    unknown = set(record) - allowed
    if unknown:
        raise TerritoryDataError(f"{label}: unknown field(s) {', '.join(sorted(unknown))}.")
    missing = {k for k in required if record.get(k) in (None, "")}
    if missing:
        raise TerritoryDataError(f"{label}: missing field(s) {', '.join(sorted(missing))}.")


def _counter() -> dict[str, int]:
    return {"created": 0, "updated": 0, "total": 0}


def _count(counter: dict[str, int], created: bool) -> None:
    counter["created" if created else "updated"] += 1
    counter["total"] += 1


PRIORITY_DOMAIN_FIELDS = {"code", "name_fr", "name_en", "position", "is_active", "source"}
SECTOR_FIELDS = {
    "slug",
    "name_fr",
    "name_en",
    "description_fr",
    "description_en",
    "priority_domains",
    "naf_prefixes",
    "position",
    "is_active",
    "source",
}
COMMUNE_FIELDS = {
    "insee_code",
    "slug",
    "name",
    "postal_codes",
    "population",
    "population_year",
    "latitude",
    "longitude",
    "area_km2",
    "is_active",
    "source",
    "centre_method",
}


def _load_priority_domains(path: Path) -> dict[str, int]:
    counter = _counter()
    records, source = records_of(path, "priority_domains")
    for index, record in enumerate(records):
        label = f"{path.name}: priority domain “{record.get('code') or index}”"
        _check_keys(record, PRIORITY_DOMAIN_FIELDS, {"code", "name_fr"}, label)
        values = {"name_en": "", "position": index, "is_active": True, "source": source, **record}
        _, created = upsert(PriorityDomain, key="code", values=values, label=label)
        _count(counter, created)
    return counter


def _load_sectors(path: Path) -> dict[str, int]:
    counter = _counter()
    records, source = records_of(path, "sectors")
    domains = {d.code: d for d in PriorityDomain.objects.all()}
    for index, record in enumerate(records):
        label = f"{path.name}: sector “{record.get('slug') or index}”"
        _check_keys(record, SECTOR_FIELDS, {"slug", "name_fr"}, label)
        values = {
            "name_en": "",
            "description_fr": "",
            "description_en": "",
            "naf_prefixes": [],
            "position": index,
            "is_active": True,
            "source": source,
            **record,
        }
        domain_codes = values.pop("priority_domains", None) or []
        unknown = [code for code in domain_codes if code not in domains]
        if unknown:
            raise TerritoryDataError(f"{label}: unknown priority domain(s) {', '.join(unknown)}.")
        prefixes = values["naf_prefixes"]
        if not isinstance(prefixes, list) or not all(isinstance(p, str) and p for p in prefixes):
            raise TerritoryDataError(f"{label}: naf_prefixes must be a list of strings such as “62” or “26.1”.")
        sector, created = upsert(Sector, key="slug", values=values, label=label)
        sector.priority_domains.set([domains[code] for code in domain_codes])
        _count(counter, created)
    return counter


def _load_communes(path: Path) -> dict[str, int]:
    counter = _counter()
    records, source = records_of(path, "communes")
    for index, record in enumerate(records):
        label = f"{path.name}: commune “{record.get('insee_code') or index}”"
        _check_keys(record, COMMUNE_FIELDS, {"insee_code", "slug", "name"}, label)
        values = {"postal_codes": [], "is_active": True, "source": source, **record}
        values.pop("centre_method", None)  # how the centre was obtained: documented in the file
        values["insee_code"] = str(values["insee_code"])
        values["postal_codes"] = [str(code) for code in values["postal_codes"]]
        _, created = upsert(Commune, key="insee_code", values=values, label=label)
        _count(counter, created)
    return counter


@transaction.atomic
def territory_load_reference(*, path: Path | str) -> dict[str, dict[str, int]]:
    """Create or update the priority domains, sectors and communes of a territory
    from the YAML files in ``path``, matched by code, slug and INSEE code.

    Records missing from the files are left untouched (reference data is retired
    with ``is_active: false``, never deleted). The load is one transaction: an
    invalid record raises :class:`TerritoryDataError` and changes nothing.
    Returns, per kind of record, how many were created and updated."""
    folder = Path(path)
    if not folder.is_dir():
        raise TerritoryDataError(f"{folder}: not a folder.")
    return {
        "priority_domains": _load_priority_domains(folder / PRIORITY_DOMAINS_FILE),
        "sectors": _load_sectors(folder / SECTORS_FILE),
        "communes": _load_communes(folder / COMMUNES_FILE),
    }


# --- Loaders added by later parts -----------------------------------------------------
# `load_territory` loads the reference data, then the organisations, then what each
# later part registers here (in its AppConfig.ready()), in registration order, all in
# one transaction. A loader takes ``path`` (the territory folder) and returns counts
# {"created", "updated", "total"}.

_territory_loaders: dict[str, Callable[..., dict[str, int]]] = {}


def register_territory_loader(label: str, loader: Callable[..., dict[str, int]]) -> None:
    _territory_loaders[label] = loader


def territory_loaders() -> list[tuple[str, Callable[..., dict[str, int]]]]:
    return list(_territory_loaders.items())
