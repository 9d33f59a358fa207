"""Indicators computed from Hélice's data: each computation, and the command that
stores a value per ended period with its history."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from helice.accounts.tests.membership_factories import MembershipFactory
from helice.directory.tests.factories import OrganizationFactory
from helice.guichet.tests.factories import ServiceFactory
from helice.referrals.tests.factories import send_request
from helice.strategy import computations, services
from helice.strategy.models import ChangeRecord, Indicator, Measurement

from .factories import make_plan

pytestmark = pytest.mark.django_db
Y = datetime.date


def test_organizations_created_by_kind():
    OrganizationFactory(founding_year=2024, kind="startup")
    OrganizationFactory(founding_year=2024, kind="company")
    OrganizationFactory(founding_year=2023, kind="startup")
    OrganizationFactory(founding_year=2024, kind="startup", status="draft")  # not published
    assert computations.value("organizations_created", Y(2024, 1, 1), Y(2024, 12, 31)) == 2
    assert computations.value("organizations_created:startup", Y(2024, 1, 1), Y(2024, 12, 31)) == 1
    assert computations.value("organizations_created:startup", Y(2023, 1, 1), Y(2024, 12, 31)) == 2


def test_partners_services_and_requests():
    member = MembershipFactory()
    MembershipFactory(organization=member.organization)  # same organisation: counted once
    ServiceFactory()
    request_obj, _ = send_request(organizations=[member.organization])
    case = request_obj.cases.get()
    from helice.referrals import services as referrals

    referrals.case_answer(case=case, by=member.user, message="Voici.")
    today = timezone.localdate()
    start, end = today.replace(day=1), today
    assert computations.value("partners_with_members", start, end) == 1
    assert computations.value("services_published", start, end) == 1
    assert computations.value("requests_received", start, end) == 1
    assert computations.value("requests_received:settlement", start, end) == 0
    assert computations.value("requests_answered:orientation", start, end) == 1
    last_year = Y(today.year - 1, 1, 1)
    assert computations.value("requests_received", last_year, Y(today.year - 1, 12, 31)) == 0


def test_unknown_computation_is_refused():
    plan = make_plan()
    indicator = plan["startups"]
    indicator.computation = "weather"
    with pytest.raises(Exception, match="computation"):
        indicator.full_clean()
    Indicator.objects.filter(pk=indicator.pk).update(computation="weather")
    with pytest.raises(CommandError, match="weather"):
        call_command("compute_indicators")


def test_command_stores_each_ended_period_once_with_history():
    plan = make_plan()
    indicator = plan["startups"]  # monthly
    Indicator.objects.filter(pk=indicator.pk).update(computation="organizations_created:startup")
    this_year = timezone.localdate().year
    OrganizationFactory(founding_year=this_year, kind="startup")
    since = Y(this_year - 1, 11, 1)
    dry = services.indicators_compute(since=since, dry_run=True)
    assert dry and Measurement.objects.count() == 0
    done = services.indicators_compute(since=since)
    stored = Measurement.objects.filter(indicator=indicator)
    today = timezone.localdate()
    assert stored.count() == len(done) and all(m.computed for m in stored)
    assert max(m.period for m in stored) < today.replace(day=1)  # only ended periods
    values = {m.period: m.value for m in stored}
    assert values[Y(this_year - 1, 11, 1)] == 0
    if today.month > 1:
        assert values[Y(this_year, 1, 1)] == 1  # the directory records years
    first_history = ChangeRecord.objects.filter(indicator=indicator, field="value").count()
    again = services.indicators_compute(since=since)
    assert not any(changed for *_rest, changed in again)  # nothing changed: nothing recorded
    assert ChangeRecord.objects.filter(indicator=indicator, field="value").count() == first_history
    assert Decimal(0) in values.values()


def test_a_part_registers_its_own_computation():
    def events(start, end, argument=""):
        return Decimal(7 if argument == "abroad" else 3)

    computations.register(computations.Computation("test_events_held", "Events held", events, "where"))
    try:
        assert computations.value("test_events_held", Y(2024, 1, 1), Y(2024, 12, 31)) == 3
        assert computations.value("test_events_held:abroad", Y(2024, 1, 1), Y(2024, 12, 31)) == 7
    finally:
        del computations.COMPUTATIONS["test_events_held"]
