"""The last-administrator rule under concurrency: two administrators of the same
organisation act at the same moment, in parallel transactions (threads, each with
its own connection). Whatever the interleaving, the organisation keeps an
administrator and every refusal is a clean MembershipError."""

from functools import partial

import pytest
from django.core.exceptions import PermissionDenied

from helice.accounts.models import Membership, MembershipRole
from helice.accounts.services import memberships as services
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.testing.concurrency import run_together
from helice.directory.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def admins_of(organization):
    return Membership.objects.filter(organization=organization, role=MembershipRole.ADMIN).count()


def test_two_admins_leaving_at_once_leave_one():
    for _ in range(5):
        organization = OrganizationFactory()
        first = MembershipFactory(organization=organization, admin=True)
        second = MembershipFactory(organization=organization, admin=True)
        results = run_together(
            partial(services.membership_leave, membership=first, by=first.user),
            partial(services.membership_leave, membership=second, by=second.user),
        )
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], services.MembershipError), results
        assert admins_of(organization) == 1


def test_two_admins_demoting_each_other_at_once_keep_one():
    for _ in range(5):
        organization = OrganizationFactory()
        first = MembershipFactory(organization=organization, admin=True)
        second = MembershipFactory(organization=organization, admin=True)
        results = run_together(
            partial(services.membership_change_role, membership=second, role=MembershipRole.EDITOR, by=first.user),
            partial(services.membership_change_role, membership=first, role=MembershipRole.EDITOR, by=second.user),
        )
        # The second to act is refused: either as the last administrator, or because
        # the first one's change already made them an editor (permissions are read
        # on the locked rows, after the other transaction).
        refusals = (services.MembershipError, PermissionDenied)
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], refusals), results
        assert admins_of(organization) == 1
