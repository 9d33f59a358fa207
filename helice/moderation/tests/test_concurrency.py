"""Moderation under concurrency, with real transactions in parallel threads (each
thread has its own database connection): on PostgreSQL the row locks decide, on
SQLite the writers are serialised (IMMEDIATE transactions). Either way no
decision is taken twice, nothing deadlocks, and the state stays consistent."""

import pytest

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.testing.concurrency import run_together
from helice.directory.models import Organization
from helice.directory.tests.factories import OrganizationFactory
from helice.moderation import services
from helice.moderation.models import Revision, RevisionStatus
from helice.moderation.registry import adapter_for

pytestmark = pytest.mark.django_db(transaction=True)


def proposal(org, editor, name):
    state = adapter_for(org).serialize(Organization.objects.get(pk=org.pk))
    return services.revision_submit(obj=org, data={**state, "name": name}, author=editor)


def test_two_moderators_deciding_at_once_decide_once():
    org = OrganizationFactory(name="Atelier partagé")
    editor = MembershipFactory(organization=org).user
    first, second = UserFactory(moderator=True), UserFactory(moderator=True)
    for round_number in range(5):
        revision = proposal(org, editor, f"Atelier partagé {round_number}")
        results = run_together(
            lambda r=revision: services.revision_approve(revision=r, by=first),
            lambda r=revision: services.revision_reject(revision=r, by=second, reason="Doublon."),
        )
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], services.RevisionError), results
        revision.refresh_from_db()
        org.refresh_from_db()
        if revision.status == RevisionStatus.PUBLISHED:
            assert org.name == f"Atelier partagé {round_number}"
        else:
            assert revision.status == RevisionStatus.REJECTED
            assert org.name != f"Atelier partagé {round_number}"


def test_a_partner_saving_while_a_moderator_approves_never_deadlocks():
    org = OrganizationFactory(name="Fablab")
    editor = MembershipFactory(organization=org).user
    moderator = UserFactory(moderator=True)
    for round_number in range(5):
        previous = Organization.objects.get(pk=org.pk).name
        waiting = proposal(org, editor, f"Fablab v{round_number}")
        approval, resubmission = run_together(
            lambda r=waiting: services.revision_approve(revision=r, by=moderator),
            lambda n=round_number: proposal(org, editor, f"Fablab w{n}"),
        )
        # The partner's new proposal always lands and waits; the approval either
        # came first (published) or found its proposal superseded (refused cleanly).
        assert isinstance(resubmission, Revision), resubmission
        assert resubmission.status == RevisionStatus.PENDING
        approved = not isinstance(approval, Exception)
        if not approved:
            assert isinstance(approval, services.RevisionError), approval
        org.refresh_from_db()
        assert org.name == (f"Fablab v{round_number}" if approved else previous)
        assert Revision.objects.for_object(org).pending().count() == 1
        services.revision_withdraw(revision=resubmission, by=editor)
