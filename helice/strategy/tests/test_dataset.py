"""The Grenoble plan as data: every axis, objective, KPI and action of the IN FOCUS
plan, loaded in full, references valid, no invented baseline or target."""

import pytest
import yaml

from helice.core.services import TerritoryDataError, territory_load_reference, territory_path
from helice.directory.services import organizations_load
from helice.strategy import services
from helice.strategy.models import Action, Axis, Indicator, Objective, Plan

GRENOBLE = territory_path("grenoble")
PLAN = yaml.safe_load((GRENOBLE / "strategy" / "plan.yaml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.django_db


def test_the_plan_has_five_axes_and_sources():
    assert PLAN.get("sources")
    assert len(PLAN["axes"]) == 5
    assert all(o.get("indicators") for a in PLAN["axes"] for o in a["objectives"]), "an objective without KPI"


def test_only_sourced_baselines_and_no_invented_target():
    for axis in PLAN["axes"]:
        for objective in axis["objectives"]:
            for indicator in objective["indicators"]:
                baseline = indicator.get("baseline") or {}
                if baseline.get("value") is not None:
                    assert baseline.get("source"), f"{indicator['code']}: a baseline without its source"
                assert (indicator.get("target") or {}).get("value") is None, "the plan gives no target"


def test_the_plan_loads_in_full_and_again_without_duplicates():
    territory_load_reference(path=GRENOBLE)
    organizations_load(path=GRENOBLE)
    counts = services.plan_load(path=GRENOBLE)
    objectives = sum(len(a["objectives"]) for a in PLAN["axes"])
    indicators = sum(len(o["indicators"]) for a in PLAN["axes"] for o in a["objectives"])
    assert (counts["axes"], counts["objectives"], counts["indicators"], counts["actions"]) == (
        5,
        objectives,
        indicators,
        len(PLAN["actions"]),
    )
    assert (Axis.objects.count(), Objective.objects.count(), Indicator.objects.count(), Action.objects.count()) == (
        5,
        objectives,
        indicators,
        len(PLAN["actions"]),
    )
    assert all(o.actions.exists() for o in Objective.objects.all())
    services.plan_load(path=GRENOBLE)
    assert Plan.objects.count() == 1 and Indicator.objects.count() == indicators


def test_a_bad_file_loads_nothing(tmp_path):
    (tmp_path / "strategy").mkdir()
    bad = dict(PLAN)
    bad["actions"] = [*PLAN["actions"], {"code": "X", "title_fr": "x", "objectives": ["9.9"]}]
    (tmp_path / "strategy" / "plan.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    territory_load_reference(path=GRENOBLE)
    organizations_load(path=GRENOBLE)
    with pytest.raises(TerritoryDataError, match="unknown objective"):
        services.plan_load(path=tmp_path)
    assert Plan.objects.count() == 0 and Axis.objects.count() == 0


def test_the_computed_indicators_of_the_plan_compute():
    import datetime

    territory_load_reference(path=GRENOBLE)
    organizations_load(path=GRENOBLE)
    services.plan_load(path=GRENOBLE)
    computed = set(Indicator.objects.exclude(computation="").values_list("code", flat=True))
    assert computed == {"3.1.1", "4.1.1"}
    done = services.indicators_compute(since=datetime.date(datetime.date.today().year - 2, 1, 1), dry_run=True)
    assert {indicator.code for indicator, *_rest in done} == computed
