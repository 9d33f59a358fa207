"""Reminders to the owners of indicators due (``remind_indicator_owners``), on a fixed day."""

import datetime
import io

import pytest
from django.core import mail as django_mail
from django.core.management import CommandError, call_command

from helice.accounts.tests.factories import UserFactory
from helice.core.models import OutgoingEmail
from helice.strategy import reminders
from helice.strategy.models import Indicator

from .factories import make_plan, measure

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 20)
Y = datetime.date


@pytest.fixture
def owners():
    """Alice: the yearly jobs (due 2026-03-31: next year's value, 2025, plus 90 days),
    an indicator with no value at all, a computed one (never reminded), one with its
    first value due from its baseline (2026-06-19: not yet). Bob: the monthly start-ups
    (late since 2026-02-20) and a monthly one due 2026-04-20 (only with --days 40).
    Carol (inactive): an indicator long overdue."""
    plan = make_plan()
    alice = UserFactory(display_name="Alice", email="alice@example.org")
    bob = UserFactory(display_name="Bob", email="bob@example.org")
    carol = UserFactory(is_active=False)
    jobs, startups = plan["jobs"], plan["startups"]
    jobs.owner = alice
    jobs.save()
    measure(jobs, Y(2024, 1, 1), 150)
    startups.owner = bob
    startups.save()
    measure(startups, Y(2025, 12, 1), 10)
    objective = plan["o21"]
    empty = Indicator.objects.create(objective=objective, code="2.1.2", name_fr="Sans valeur", owner=alice)
    Indicator.objects.create(
        objective=objective, code="2.1.3", name_fr="Calculé", owner=alice, computation="organizations_created"
    )
    Indicator.objects.create(
        objective=objective,
        code="2.1.4",
        name_fr="Depuis la référence",
        owner=alice,
        frequency="quarterly",
        baseline_date=Y(2025, 10, 15),
    )
    later = Indicator.objects.create(
        objective=objective, code="2.1.5", name_fr="Mensuel", owner=bob, frequency="monthly"
    )
    measure(later, Y(2026, 2, 1), 3)
    old = Indicator.objects.create(objective=objective, code="2.1.6", name_fr="Oublié", owner=carol)
    measure(old, Y(2019, 1, 1), 1)
    Indicator.objects.create(objective=objective, code="2.1.7", name_fr="Sans responsable")  # no owner
    return {"alice": alice, "bob": bob, "empty": empty}


def codes(due):
    return {owner.display_name: [(i.indicator.code, i.due, i.overdue) for i in items] for owner, items in due}


def test_what_is_due_within_the_days_or_late(owners):
    assert codes(reminders.indicators_due(today=TODAY)) == {
        "Alice": [("1.1.1", Y(2026, 3, 31), False), ("2.1.2", None, False)],
        "Bob": [("2.1.1", Y(2026, 2, 20), True)],
    }
    wider = codes(reminders.indicators_due(today=TODAY, days=100))
    assert ("2.1.5", Y(2026, 4, 20), False) in wider["Bob"]
    assert ("2.1.4", Y(2026, 5, 15), False) in wider["Alice"]  # Q1 2026 ends 03-31, plus 45 days
    after = codes(reminders.indicators_due(today=Y(2026, 4, 1), days=0))
    assert after["Alice"][0] == ("1.1.1", Y(2026, 3, 31), True)


def test_dry_run_lists_and_sends_nothing(owners):
    out = io.StringIO()
    call_command("remind_indicator_owners", "--dry-run", "--today", TODAY.isoformat(), stdout=out)
    text = out.getvalue()
    assert f"would remind owner {owners['alice'].pk}: 1.1.1 (due by 2026-03-31), 2.1.2 (no value yet)" in text
    assert f"would remind owner {owners['bob'].pk}: 2.1.1 (late since 2026-02-20)" in text
    assert "2 reminder(s) (dry run)" in text
    assert OutgoingEmail.objects.count() == 0


def test_one_mail_per_owner(owners, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind_indicator_owners", "--today", TODAY.isoformat(), "--days", "40", stdout=out)
    assert "2 reminder(s)\n" in out.getvalue()
    assert OutgoingEmail.objects.count() == 2
    sent = {m.to[0]: m for m in django_mail.outbox}
    assert set(sent) == {"alice@example.org", "bob@example.org"}
    alice = sent["alice@example.org"]
    assert "1.1.1. Emplois créés" in alice.body and "2.1.2. Sans valeur" in alice.body
    assert "Calculé" not in alice.body and "Depuis la référence" not in alice.body
    assert "/strategie/indicateurs/1.1.1/" in alice.body and "/strategie/import/" in alice.body
    assert "/strategie/saisie/" in alice.body and "/en/" not in alice.body
    bob = sent["bob@example.org"]
    assert "2.1.1. Start-up accompagnées" in bob.body and "2.1.5. Mensuel" in bob.body
    assert "2026-01" in bob.body and "2025" in alice.body  # the periods awaited
    assert "Oublié" not in alice.body + bob.body  # its owner is inactive


def test_nothing_due_sends_nothing(owners):
    owners["empty"].delete()  # no value and no baseline: always due
    out = io.StringIO()
    call_command("remind_indicator_owners", "--today", "2025-06-01", "--days", "0", stdout=out)
    assert out.getvalue() == "0 reminder(s)\n"
    assert OutgoingEmail.objects.count() == 0


def test_bad_options():
    with pytest.raises(CommandError):
        call_command("remind_indicator_owners", "--today", "demain")
    with pytest.raises(CommandError):
        call_command("remind_indicator_owners", "--days", "-1")
