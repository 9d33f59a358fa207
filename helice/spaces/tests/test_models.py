import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from helice.spaces.models import AvailabilityState, PathPhase, Space

from .factories import SpaceFactory

pytestmark = pytest.mark.django_db


def test_availability_states(settings):
    settings.SPACES_AVAILABILITY_MAX_AGE_DAYS = 30
    now = timezone.now()
    assert SpaceFactory(units_available=None).availability_state() == AvailabilityState.UNKNOWN
    assert SpaceFactory(available=True).availability_state() == AvailabilityState.AVAILABLE
    full = SpaceFactory(units_available=0, availability_confirmed_at=now)
    assert full.availability_state() == AvailabilityState.FULL
    assert full.current_units_available == 0
    stale = SpaceFactory(units_available=5, availability_confirmed_at=now - datetime.timedelta(days=31))
    assert stale.availability_state() == AvailabilityState.STALE
    assert stale.current_units_available is None
    never = SpaceFactory(units_available=5, availability_confirmed_at=None)
    assert never.availability_state() == AvailabilityState.STALE
    # The allowed age is the setting's.
    settings.SPACES_AVAILABILITY_MAX_AGE_DAYS = 60
    assert stale.availability_state() == AvailabilityState.AVAILABLE


def test_with_units_available_never_counts_stale_availability(settings):
    settings.SPACES_AVAILABILITY_MAX_AGE_DAYS = 30
    fresh = SpaceFactory(available=True)
    SpaceFactory(stale=True)
    SpaceFactory(units_available=0, availability_confirmed_at=timezone.now())
    SpaceFactory(units_available=4, availability_confirmed_at=None)
    assert list(Space.objects.with_units_available()) == [fresh]


def test_phases_in_path_order():
    space = SpaceFactory(serves_born=False, serves_grow=True, serves_reinvent=True)
    assert space.phases == [PathPhase.GROW, PathPhase.REINVENT]
    assert list(Space.objects.serving("grow")) == [space]


def test_constraints_and_clean():
    space = SpaceFactory.build(latitude=45.1, longitude=None, unit_size_min_m2=50, unit_size_max_m2=20)
    with pytest.raises(ValidationError) as error:
        space.full_clean(exclude=["slug"])
    assert {"longitude", "unit_size_max_m2"} <= set(error.value.message_dict)
    with pytest.raises(IntegrityError), transaction.atomic():
        Space.objects.create(name="X", slug="x", kind="incubator", latitude=45.0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Space.objects.create(name="Y", slug="y", kind="incubator", unit_count=2, units_available=3)
