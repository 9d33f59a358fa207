"""Services of memberships: state machines, permissions, last administrator,
invitations (email match, expiry, refresh) and emails after commit."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from helice.accounts.models import Invitation, JoinRequest, Membership, MembershipRole, RequestStatus, hash_token
from helice.accounts.rules import organization_roles
from helice.accounts.services import memberships as services
from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import (
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    make_invitation,
)
from helice.directory.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    """The refusals below are matched on their English source text."""
    with translation.override("en"):
        yield


PENDING, ACCEPTED, REFUSED, WITHDRAWN = (
    RequestStatus.PENDING,
    RequestStatus.ACCEPTED,
    RequestStatus.REFUSED,
    RequestStatus.WITHDRAWN,
)


class FailingEmailBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_transitions_are_written_once():
    assert services.TRANSITIONS[PENDING] == {ACCEPTED, REFUSED, WITHDRAWN}
    for final in (ACCEPTED, REFUSED, WITHDRAWN):
        assert services.TRANSITIONS[final] == frozenset()


# --- join requests ----------------------------------------------------------------------


def test_join_request_create_tells_the_admins(django_capture_on_commit_callbacks):
    admin = MembershipFactory(admin=True)
    MembershipFactory(organization=admin.organization)  # an editor is not told
    user = UserFactory(verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        join_request = services.join_request_create(user=user, organization=admin.organization, message=" Bonjour ")
    assert join_request.status == PENDING and join_request.message == "Bonjour"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [admin.user.email]
    assert f"/mon-espace/organisations/{admin.organization.slug}/membres/" in mail.outbox[0].body


def test_join_request_without_admin_goes_to_moderators(django_capture_on_commit_callbacks):
    organization = OrganizationFactory()
    moderator = UserFactory(verified=True, moderator=True)
    UserFactory(verified=True)  # a simple user is not told
    with django_capture_on_commit_callbacks(execute=True):
        services.join_request_create(user=UserFactory(), organization=organization, message="")
    assert [m.to for m in mail.outbox] == [[moderator.email]]


def test_join_request_refused_when_member_pending_or_unpublished():
    membership = MembershipFactory()
    with pytest.raises(services.MembershipError, match="already a member"):
        services.join_request_create(user=membership.user, organization=membership.organization, message="")
    pending = JoinRequestFactory()
    with pytest.raises(services.MembershipError, match="already asked"):
        services.join_request_create(user=pending.user, organization=pending.organization, message="")
    with pytest.raises(services.MembershipError, match="published"):
        services.join_request_create(user=UserFactory(), organization=OrganizationFactory(draft=True), message="")
    assert JoinRequest.objects.count() == 1


def test_join_request_accept_makes_a_member_and_tells_them(django_capture_on_commit_callbacks):
    admin = MembershipFactory(admin=True)
    join_request = JoinRequestFactory(organization=admin.organization)
    assert organization_roles(join_request.user) == {}
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.join_request_accept(join_request=join_request, by=admin.user, role=MembershipRole.ADMIN)
    assert membership.role == MembershipRole.ADMIN and membership.added_by == admin.user
    join_request.refresh_from_db()
    assert join_request.status == ACCEPTED and join_request.decided_by == admin.user
    # The cache of roles of the user instance was forgotten.
    assert organization_roles(join_request.user) == {admin.organization.pk: MembershipRole.ADMIN}
    assert mail.outbox[-1].to == [join_request.user.email]


def test_join_request_refuse_needs_a_reason():
    admin = MembershipFactory(admin=True)
    join_request = JoinRequestFactory(organization=admin.organization)
    with pytest.raises(services.MembershipError, match="reason"):
        services.join_request_refuse(join_request=join_request, by=admin.user, reason="  ")
    services.join_request_refuse(join_request=join_request, by=admin.user, reason="Inconnu chez nous.")
    join_request.refresh_from_db()
    assert (join_request.status, join_request.reason) == (REFUSED, "Inconnu chez nous.")
    assert not Membership.objects.filter(user=join_request.user).exists()


@pytest.mark.parametrize("first", ["accept", "refuse", "withdraw"])
@pytest.mark.parametrize("then", ["accept", "refuse", "withdraw"])
def test_join_request_final_states_refuse_every_change(first, then):
    admin = MembershipFactory(admin=True)
    join_request = JoinRequestFactory(organization=admin.organization)
    actions = {
        "accept": lambda: services.join_request_accept(join_request=join_request, by=admin.user, role="editor"),
        "refuse": lambda: services.join_request_refuse(join_request=join_request, by=admin.user, reason="Non."),
        "withdraw": lambda: services.join_request_withdraw(join_request=join_request, by=join_request.user),
    }
    actions[first]()
    status = JoinRequest.objects.get(pk=join_request.pk).status
    with pytest.raises(services.InvalidTransition, match="already"):
        actions[then]()
    assert JoinRequest.objects.get(pk=join_request.pk).status == status


def test_join_request_decisions_need_the_permission():
    join_request = JoinRequestFactory()
    editor = MembershipFactory(organization=join_request.organization)
    admin_elsewhere = MembershipFactory(admin=True)
    for by in (editor.user, admin_elsewhere.user, join_request.user):
        with pytest.raises(PermissionDenied):
            services.join_request_accept(join_request=join_request, by=by, role="editor")
        with pytest.raises(PermissionDenied):
            services.join_request_refuse(join_request=join_request, by=by, reason="Non")
    with pytest.raises(PermissionDenied):
        services.join_request_withdraw(join_request=join_request, by=editor.user)
    moderator = UserFactory(moderator=True)
    services.join_request_accept(join_request=join_request, by=moderator, role="editor")
    assert Membership.objects.filter(user=join_request.user, organization=join_request.organization).exists()


def test_mail_failure_keeps_the_request(settings, django_capture_on_commit_callbacks, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    admin = MembershipFactory(admin=True)
    with django_capture_on_commit_callbacks(execute=True):
        join_request = services.join_request_create(
            user=UserFactory(), organization=admin.organization, message="Gardez-moi"
        )
    assert JoinRequest.objects.get(pk=join_request.pk).message == "Gardez-moi"
    assert "Could not send the join_request email" in caplog.text
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _token = services.invitation_create(
            organization=admin.organization, email="new@example.org", role="editor", by=admin.user
        )
    assert Invitation.objects.filter(pk=invitation.pk, status=PENDING).exists()


# --- invitations ------------------------------------------------------------------------


def test_invitation_create_stores_only_the_hash_and_emails_the_link(django_capture_on_commit_callbacks):
    admin = MembershipFactory(admin=True)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(
            organization=admin.organization, email="Claire@Example.org", role="admin", by=admin.user
        )
    assert invitation.token_hash == hash_token(token) and token not in invitation.token_hash
    assert invitation.expires_at > timezone.now() + timedelta(days=13)
    assert mail.outbox[0].to == ["Claire@Example.org"]
    assert f"/mon-espace/invitations/{token}/" in mail.outbox[0].body


def test_reinviting_a_pending_email_refreshes_it(settings):
    settings.INVITATION_VALID_DAYS = 3
    admin = MembershipFactory(admin=True)
    first, token1 = services.invitation_create(
        organization=admin.organization, email="a@example.org", role="editor", by=admin.user
    )
    second, token2 = services.invitation_create(
        organization=admin.organization, email="A@example.org", role="admin", by=admin.user
    )
    assert first.pk == second.pk and token1 != token2
    assert Invitation.objects.count() == 1
    second.refresh_from_db()
    assert second.role == "admin" and second.token_hash == hash_token(token2)
    assert second.expires_at < timezone.now() + timedelta(days=3, minutes=1)
    assert services.invitation_by_token(token1) is None


def test_invitation_of_a_member_is_refused():
    admin = MembershipFactory(admin=True)
    with pytest.raises(services.MembershipError, match="already belongs"):
        services.invitation_create(
            organization=admin.organization, email=admin.user.email.upper(), role="editor", by=admin.user
        )


def test_invitation_create_needs_the_permission():
    editor = MembershipFactory()
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            organization=editor.organization, email="x@example.org", role="editor", by=editor.user
        )


def test_invitation_accept_needs_a_verified_matching_email():
    invitation, token = make_invitation(email="invitee@example.org", role="admin")
    stranger = UserFactory(verified=True)
    with pytest.raises(services.MembershipError, match=r"invitee@example\.org"):
        services.invitation_accept(token=token, user=stranger)
    unverified = UserFactory(email="invitee@example.org")
    with pytest.raises(services.MembershipError, match="confirm"):
        services.invitation_accept(token=token, user=unverified)
    EmailAddress.objects.filter(user=unverified).update(verified=True)
    assert organization_roles(unverified) == {}
    membership = services.invitation_accept(token=token, user=unverified)
    assert membership.role == "admin"
    assert organization_roles(unverified) == {invitation.organization.pk: "admin"}
    invitation.refresh_from_db()
    assert invitation.status == ACCEPTED and invitation.accepted_by == unverified
    with pytest.raises(services.InvalidTransition):
        services.invitation_accept(token=token, user=unverified)


def test_invitation_accept_by_a_secondary_verified_address_and_case():
    invitation, _token = make_invitation(email="Pro@Example.org")
    user = UserFactory(verified=True)
    EmailAddress.objects.create(user=user, email="pro@example.org", verified=True, primary=False)
    services.invitation_accept(invitation=invitation, user=user)
    assert Membership.objects.filter(user=user, organization=invitation.organization).exists()


def test_expired_invitation_is_refused():
    _invitation, token = make_invitation(email="late@example.org", expired=True)
    user = UserFactory(email="late@example.org", verified=True)
    with pytest.raises(services.MembershipError, match="expired"):
        services.invitation_accept(token=token, user=user)
    assert not Membership.objects.filter(user=user).exists()


def test_invitation_decline_and_revoke():
    invitation, token = make_invitation(email="no@example.org")
    user = UserFactory(email="no@example.org", verified=True)
    services.invitation_decline(token=token, user=user)
    assert Invitation.objects.get(pk=invitation.pk).status == REFUSED
    other, _token = make_invitation()
    admin = MembershipFactory(admin=True, organization=other.organization)
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(invitation=other, by=UserFactory())
    services.invitation_revoke(invitation=other, by=admin.user)
    assert other.status == WITHDRAWN
    with pytest.raises(services.InvalidTransition):
        services.invitation_revoke(invitation=other, by=admin.user)


def test_accepting_an_invitation_answers_a_pending_join_request():
    join_request = JoinRequestFactory()
    _invitation, token = make_invitation(organization=join_request.organization, email=join_request.user.email)
    services.invitation_accept(token=token, user=join_request.user)
    assert JoinRequest.objects.get(pk=join_request.pk).status == ACCEPTED


def test_unknown_token():
    with pytest.raises(services.MembershipError, match="not valid"):
        services.invitation_accept(token="nope", user=UserFactory(verified=True))
    assert services.invitation_by_token("x" * 500) is None
    assert InvitationFactory() and services.invitation_by_token("") is None


# --- memberships: last administrator ------------------------------------------------------


def test_last_admin_cannot_be_removed_demoted_or_leave():
    admin = MembershipFactory(admin=True)
    moderator = UserFactory(moderator=True)
    with pytest.raises(services.MembershipError, match="last administrator"):
        services.membership_remove(membership=admin, by=moderator)
    with pytest.raises(services.MembershipError, match="last administrator"):
        services.membership_change_role(membership=admin, role="editor", by=admin.user)
    with pytest.raises(services.MembershipError, match="last administrator"):
        services.membership_leave(membership=admin)
    assert Membership.objects.get(pk=admin.pk).role == "admin"
    # With a second administrator, the first may step down.
    second = MembershipFactory(admin=True, organization=admin.organization)
    services.membership_change_role(membership=admin, role="editor", by=admin.user)
    assert Membership.objects.get(pk=admin.pk).role == "editor"
    with pytest.raises(services.MembershipError):
        services.membership_leave(membership=second)
    services.membership_leave(membership=admin)
    assert list(Membership.objects.filter(organization=admin.organization)) == [second]


def test_editors_of_an_organisation_without_admin_can_be_removed():
    editor = MembershipFactory()
    services.membership_remove(membership=editor, by=UserFactory(moderator=True))
    assert not Membership.objects.exists()


def test_membership_changes_need_the_permission_and_forget_roles():
    admin = MembershipFactory(admin=True)
    editor = MembershipFactory(organization=admin.organization)
    with pytest.raises(PermissionDenied):
        services.membership_change_role(membership=admin, role="editor", by=editor.user)
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=admin, by=editor.user)
    assert organization_roles(editor.user) == {admin.organization.pk: "editor"}
    services.membership_change_role(membership=editor, role="admin", by=admin.user)
    assert organization_roles(editor.user) == {admin.organization.pk: "admin"}
    with pytest.raises(services.MembershipError, match="Unknown role"):
        services.membership_change_role(membership=editor, role="owner", by=admin.user)
