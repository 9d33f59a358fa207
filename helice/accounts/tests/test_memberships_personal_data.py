"""Memberships in the personal-data export and erasure."""

import pytest
from django.db import transaction

from helice.accounts.models import Invitation, JoinRequest, Membership
from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import JoinRequestFactory, MembershipFactory, make_invitation
from helice.core import personal_data

pytestmark = pytest.mark.django_db


def test_memberships_section_is_registered():
    assert "accounts.memberships" in [s.key for s in personal_data.sections()]


def test_export_and_erase():
    admin = MembershipFactory(admin=True)
    user = admin.user
    JoinRequestFactory(user=user, message="Bonjour")
    make_invitation(organization=admin.organization, invited_by=user, email="friend@example.org")
    invited_me, _token = make_invitation(email=user.email)
    other = MembershipFactory(organization=admin.organization)
    data = personal_data.export(user)["accounts.memberships"]["data"]
    assert data["memberships"] == [
        {"organization": admin.organization.name, "role": "admin", "since": admin.created_at.isoformat()}
    ]
    assert data["join_requests"][0]["message"] == "Bonjour"
    assert data["invitations_sent"][0]["email"] == "friend@example.org"
    with transaction.atomic():
        personal_data.erase(user)
    # The last administrator's deletion proceeds: the organisation keeps its editor, staff name an admin.
    assert not Membership.objects.filter(user=user).exists()
    assert Membership.objects.filter(pk=other.pk).exists()
    assert not JoinRequest.objects.filter(user=user).exists()
    assert not Invitation.objects.filter(pk=invited_me.pk).exists()
    assert Invitation.objects.filter(email="friend@example.org").exists()
    assert UserFactory()  # the registry keeps working for others
