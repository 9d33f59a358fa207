"""The company path: which spaces serve each phase of each sector, and the gaps."""

import pytest

from helice.directory.tests.factories import SectorFactory
from helice.spaces.models import PlanStatus
from helice.spaces.path import company_paths

from .factories import SpaceFactory

pytestmark = pytest.mark.django_db


def test_dedicated_generalist_planned_and_gaps(django_assert_num_queries):
    health = SectorFactory(name_fr="Santé", slug="sante", position=1)
    energy = SectorFactory(name_fr="Énergie", slug="energie", position=2)
    SpaceFactory(name="Pépinière santé", sectors=[health], serves_born=True)
    SpaceFactory(name="Coworking", serves_born=True, serves_grow=False)
    SpaceFactory(
        name="Cité santé", sectors=[health], serves_born=False, serves_grow=True, plan_status=PlanStatus.TO_CREATE
    )
    SpaceFactory(name="Zone énergie", sectors=[energy], serves_born=False, serves_reinvent=True)
    SpaceFactory(name="Brouillon", sectors=[health], serves_grow=True, draft=True)

    with django_assert_num_queries(3):
        paths = company_paths()
    by_sector = {p.sector.slug: {s.phase: s for s in p.steps} for p in paths}

    health_steps = by_sector["sante"]
    assert [s.name for s in health_steps["born"].dedicated] == ["Pépinière santé"]
    assert [s.name for s in health_steps["born"].generalist] == ["Coworking"]
    assert health_steps["grow"].is_gap
    assert [s.name for s in health_steps["grow"].planned] == ["Cité santé"]
    assert health_steps["reinvent"].is_gap

    energy_steps = by_sector["energie"]
    assert not energy_steps["born"].is_gap  # the coworking is open to every sector
    assert energy_steps["born"].dedicated == []
    assert energy_steps["born"].only_generalist
    assert not health_steps["born"].only_generalist
    assert energy_steps["grow"].is_gap
    assert [s.name for s in energy_steps["reinvent"].dedicated] == ["Zone énergie"]
    assert [step.phase for p in paths for step in p.gaps] == ["grow", "reinvent", "grow"]
