"""The Grenoble services dataset: enough real services, every reference valid,
every record sourced, no invented date or amount, and it loads in full."""

import datetime
import re

import pytest
import yaml

from helice.core.services import territory_load_reference, territory_path
from helice.directory.services import organizations_load
from helice.guichet import services
from helice.guichet.models import CallState, Service

GRENOBLE = territory_path("grenoble")
TAXONOMY = yaml.safe_load(services.TAXONOMY_FILE.read_text(encoding="utf-8"))


def records():
    found = []
    for file in services.service_files(GRENOBLE):
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
        assert document.get("source"), f"{file.name} names no source"
        found += [(file.name, record) for record in document["services"]]
    return found


def test_at_least_60_services_with_unique_slugs():
    found = records()
    assert len(found) >= 60
    slugs = [r["slug"] for _, r in found]
    assert len(slugs) == len(set(slugs))


def test_every_code_and_provider_exists():
    need_codes = {n["code"] for n in TAXONOMY["needs"]} | {c["code"] for n in TAXONOMY["needs"] for c in n["children"]}
    stage_codes = {s["code"] for s in TAXONOMY["stages"]}
    kinds = set(TAXONOMY["kinds"]["financing"]) | set(TAXONOMY["kinds"]["support"])
    organizations = set()
    for file in (GRENOBLE / "organizations").glob("*.yaml"):
        organizations |= {o["slug"] for o in yaml.safe_load(file.read_text(encoding="utf-8"))["organizations"]}
    sectors = {s["slug"] for s in yaml.safe_load((GRENOBLE / "sectors.yaml").read_text(encoding="utf-8"))["sectors"]}
    for file, record in records():
        label = f"{file}: {record['slug']}"
        assert record["kind"] in kinds, label
        assert record["providers"] and set(record["providers"]) <= organizations, label
        assert set(record.get("needs") or []) <= need_codes, label
        assert set(record.get("stages") or []) <= stage_codes, label
        assert set(record.get("sectors") or []) <= sectors, label


def test_every_service_is_described_in_both_languages_and_sourced():
    for file, record in records():
        label = f"{file}: {record['slug']}"
        assert record.get("summary_fr") and record.get("summary_en"), label
        assert record.get("description_fr") and record.get("description_en"), label
        assert len(record.get("sources") or "") > 20, label


def test_no_invented_date_or_amount():
    """Dates and amounts only where a source gives them: a date or an amount field
    must be backed by the record's sources naming where it comes from."""
    for file, record in records():
        label = f"{file}: {record['slug']}"
        for field in ("opens_on", "closes_on", "amount_min", "amount_max"):
            if record.get(field) not in (None, ""):
                assert re.search(r"seed|\(0\d\d\)", record["sources"]), f"{label}: {field} without a source"
        if record.get("calendar") == "permanent":
            assert not record.get("opens_on") and not record.get("closes_on"), label


@pytest.mark.django_db
def test_the_dataset_loads_in_full_and_past_calls_show_closed():
    territory_load_reference(path=GRENOBLE)
    organizations_load(path=GRENOBLE)
    services.taxonomy_load()
    counts = services.services_load(path=GRENOBLE)
    assert counts["total"] == len(records()) == Service.objects.count()
    assert all(s.providers.exists() for s in Service.objects.all())
    today = datetime.date.today()
    for service in Service.objects.exclude(closes_on=None):
        if service.closes_on < today:
            assert service.call_state(today) == CallState.CLOSED
    # Loading again changes nothing.
    again = services.services_load(path=GRENOBLE)
    assert again["created"] == 0 and again["updated"] == counts["total"]
