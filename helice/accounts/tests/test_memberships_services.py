"""Services of memberships: state machines, permissions (checked on the rows as
they are in the database), last administrator, invitations (email match, expiry,
refresh, one pending per address, resend) and emails (in the site's language)."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
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
from helice.core.models import OutgoingEmail
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


def test_emails_are_in_the_sites_language_and_name_the_requester(django_capture_on_commit_callbacks):
    """Rendered in settings.LANGUAGE_CODE (French) whatever the active language (English
    here); the requester by public name and verified address, never the generated username."""
    admin = MembershipFactory(admin=True)
    user = UserFactory(verified=True, username="u-3f9a1c", email="jade@example.org", display_name="Jade Martin")
    with django_capture_on_commit_callbacks(execute=True):
        services.join_request_create(user=user, organization=admin.organization, message="")
    email = mail.outbox[0]
    assert email.subject == f"Nouvelle demande pour rejoindre {admin.organization.name}"
    assert "Jade Martin" in email.body and "jade@example.org" in email.body and "u-3f9a1c" not in email.body
    # Links in the email's language too (French: no /en/ prefix).
    assert f"/mon-espace/organisations/{admin.organization.slug}/membres/" in email.body and "/en/" not in email.body


def test_join_request_without_admin_goes_to_moderators(django_capture_on_commit_callbacks):
    organization = OrganizationFactory()
    moderator = UserFactory(verified=True, moderator=True)
    administrator = UserFactory(verified=True, administrator=True)  # holds every staff role
    UserFactory(verified=True)  # a simple user is not told
    UserFactory(verified=True, strategy_manager=True)  # nor another staff role
    with django_capture_on_commit_callbacks(execute=True):
        services.join_request_create(user=UserFactory(), organization=organization, message="")
    assert [m.to for m in mail.outbox] == [sorted([moderator.email, administrator.email])]


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
    assert "Could not send e-mail" in caplog.text
    queued = OutgoingEmail.objects.get(template="accounts/email/join_request")
    assert queued.status == OutgoingEmail.Status.PENDING and queued.attempts == 1
    assert queued.recipients == [admin.user.email] and "Gardez-moi" in queued.body
    invitation, _token, sent = services.invitation_create(
        organization=admin.organization, email="new@example.org", role="editor", by=admin.user
    )
    assert sent is False
    assert Invitation.objects.filter(pk=invitation.pk, status=PENDING, last_sent_at=None).exists()


# --- invitations ------------------------------------------------------------------------


def test_invitation_create_stores_only_the_hash_and_emails_the_link():
    """Sent at once (after its own commit), so the caller knows whether it left."""
    admin = MembershipFactory(admin=True)
    invitation, token, sent = services.invitation_create(
        organization=admin.organization, email="Claire@Example.org", role="admin", by=admin.user
    )
    assert sent is True
    assert invitation.token_hash == hash_token(token) and token not in invitation.token_hash
    assert invitation.expires_at > timezone.now() + timedelta(days=13)
    assert Invitation.objects.get(pk=invitation.pk).last_sent_at is not None
    assert mail.outbox[0].to == ["Claire@Example.org"]
    assert mail.outbox[0].subject == f"Invitation à agir pour {admin.organization.name}"
    assert f"/mon-espace/invitations/{token}/" in mail.outbox[0].body


def test_invitation_create_refuses_to_run_inside_a_transaction():
    """It commits before sending: inside a caller's transaction the email could
    announce an invitation that is then rolled back."""
    admin = MembershipFactory(admin=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.invitation_create(organization=admin.organization, email="x@example.org", role="editor", by=admin.user)
    assert not mail.outbox


def test_failed_invitation_email_is_resent_with_a_new_link(settings):
    admin = MembershipFactory(admin=True)
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    invitation, token1, sent = services.invitation_create(
        organization=admin.organization, email="lost@example.org", role="editor", by=admin.user
    )
    assert sent is False and Invitation.objects.get(pk=invitation.pk).last_sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    resent, token2, sent = services.invitation_resend(invitation=invitation, by=admin.user)
    assert sent is True and token2 != token1 and resent.pk == invitation.pk
    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.token_hash == hash_token(token2) and stored.last_sent_at is not None
    assert stored.status == PENDING and not stored.is_expired
    assert services.invitation_by_token(token1) is None
    assert mail.outbox[-1].to == ["lost@example.org"] and token2 in mail.outbox[-1].body


def test_invitation_resend_needs_the_permission_and_a_pending_invitation():
    invitation, _token = make_invitation()
    editor = MembershipFactory(organization=invitation.organization)
    admin = MembershipFactory(admin=True, organization=invitation.organization)
    with pytest.raises(PermissionDenied):
        services.invitation_resend(invitation=invitation, by=editor.user)
    services.invitation_revoke(invitation=invitation, by=admin.user)
    with pytest.raises(services.InvalidTransition):
        services.invitation_resend(invitation=invitation, by=admin.user)
    assert not mail.outbox


def test_one_pending_invitation_per_organisation_and_address_in_the_database():
    invitation, _token = make_invitation(email="dup@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        InvitationFactory(organization=invitation.organization, email="DUP@example.org")
    # Answered invitations do not count; another organisation neither.
    Invitation.objects.filter(pk=invitation.pk).update(status=REFUSED)
    InvitationFactory(organization=invitation.organization, email="DUP@example.org")
    InvitationFactory(email="dup@example.org")


def test_simultaneous_invitations_of_one_address_end_as_one(monkeypatch):
    """Another administrator's invitation is committed between our check and our
    insert: the constraint refuses ours and we refresh theirs."""
    admin = MembershipFactory(admin=True)
    theirs, _token = make_invitation(organization=admin.organization, email="race@example.org")
    real = services._pending_invitation
    calls = []

    def not_seen_the_first_time(organization, email):
        calls.append(email)
        return None if len(calls) == 1 else real(organization, email)

    monkeypatch.setattr(services, "_pending_invitation", not_seen_the_first_time)
    invitation, token, sent = services.invitation_create(
        organization=admin.organization, email="Race@example.org", role="admin", by=admin.user
    )
    assert len(calls) == 2 and sent
    assert invitation.pk == theirs.pk and Invitation.objects.count() == 1
    assert Invitation.objects.get(pk=theirs.pk).token_hash == hash_token(token)


def test_reinviting_a_pending_email_refreshes_it(settings):
    settings.INVITATION_VALID_DAYS = 3
    admin = MembershipFactory(admin=True)
    first, token1, _sent = services.invitation_create(
        organization=admin.organization, email="a@example.org", role="editor", by=admin.user
    )
    second, token2, _sent = services.invitation_create(
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


def test_accepting_an_invitation_answers_a_pending_join_request(django_capture_on_commit_callbacks):
    """Through the state machine and its email rule, like any accepted request."""
    join_request = JoinRequestFactory()
    inviter = MembershipFactory(admin=True, organization=join_request.organization).user
    _invitation, token = make_invitation(
        organization=join_request.organization, email=join_request.user.email, invited_by=inviter
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_accept(token=token, user=join_request.user)
    join_request.refresh_from_db()
    assert join_request.status == ACCEPTED and join_request.decided_by == inviter and join_request.decided_at
    assert [m.to for m in mail.outbox] == [[join_request.user.email]]
    assert mail.outbox[0].subject == f"Vous avez rejoint {join_request.organization.name}"


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
        services.membership_leave(membership=admin, by=admin.user)
    assert Membership.objects.get(pk=admin.pk).role == "admin"
    # With a second administrator, the first may step down.
    second = MembershipFactory(admin=True, organization=admin.organization)
    services.membership_change_role(membership=admin, role="editor", by=admin.user)
    assert Membership.objects.get(pk=admin.pk).role == "editor"
    with pytest.raises(services.MembershipError):
        services.membership_leave(membership=second, by=second.user)
    services.membership_leave(membership=admin, by=admin.user)
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


def test_last_admin_message_names_the_public_name_not_the_username():
    admin = MembershipFactory(admin=True, user=UserFactory(username="u-77aa", display_name="Claire Dupuis"))
    with pytest.raises(services.MembershipError, match="Claire Dupuis") as refusal:
        services.membership_leave(membership=admin, by=admin.user)
    assert "u-77aa" not in str(refusal.value)


def test_only_the_member_can_leave():
    admin = MembershipFactory(admin=True)
    editor = MembershipFactory(organization=admin.organization)
    for by in (admin.user, UserFactory(moderator=True), None):
        with pytest.raises(PermissionDenied):
            services.membership_leave(membership=editor, by=by)
    assert Membership.objects.filter(pk=editor.pk).exists()
    services.membership_leave(membership=editor, by=editor.user)
    assert not Membership.objects.filter(pk=editor.pk).exists()


# --- permissions on the rows as stored, rows deleted meanwhile ----------------------------


def test_permission_is_checked_on_the_stored_organisation_not_the_callers_instance():
    """An instance pointing to the caller's organisation (stale, or forged) does not
    let B's administrator act on A's objects."""
    a, b = OrganizationFactory(), OrganizationFactory()
    admin_b = MembershipFactory(admin=True, organization=b).user
    MembershipFactory(admin=True, organization=a)
    join_request = JoinRequestFactory(organization=a)
    invitation, _token = make_invitation(organization=a)
    member = MembershipFactory(organization=a)
    for obj in (join_request, invitation, member):
        obj.organization = b
    attempts = [
        lambda: services.join_request_accept(join_request=join_request, by=admin_b, role="editor"),
        lambda: services.join_request_refuse(join_request=join_request, by=admin_b, reason="Non."),
        lambda: services.invitation_revoke(invitation=invitation, by=admin_b),
        lambda: services.invitation_resend(invitation=invitation, by=admin_b),
        lambda: services.membership_change_role(membership=member, role="admin", by=admin_b),
        lambda: services.membership_remove(membership=member, by=admin_b),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert JoinRequest.objects.get(pk=join_request.pk).status == PENDING
    assert Invitation.objects.get(pk=invitation.pk).status == PENDING
    assert Membership.objects.get(pk=member.pk).role == "editor"


def test_rows_deleted_meanwhile_are_refused_cleanly():
    """The author deleted their account between the page and the click: a refusal
    for the person (409 in the views), never DoesNotExist."""
    admin = MembershipFactory(admin=True)
    join_request = JoinRequestFactory(organization=admin.organization)
    invitation, token = make_invitation(organization=admin.organization, email="gone@example.org")
    invitee = UserFactory(email="gone@example.org", verified=True)
    member = MembershipFactory(organization=admin.organization)
    JoinRequest.objects.filter(pk=join_request.pk).delete()
    Invitation.objects.filter(pk=invitation.pk).delete()
    Membership.objects.filter(pk=member.pk).delete()
    attempts = [
        lambda: services.join_request_accept(join_request=join_request, by=admin.user, role="editor"),
        lambda: services.join_request_refuse(join_request=join_request, by=admin.user, reason="Non."),
        lambda: services.join_request_withdraw(join_request=join_request, by=join_request.user),
        lambda: services.invitation_accept(invitation=invitation, user=invitee),
        lambda: services.invitation_decline(invitation=invitation, user=invitee),
        lambda: services.invitation_accept(token=token, user=invitee),
        lambda: services.invitation_revoke(invitation=invitation, by=admin.user),
        lambda: services.invitation_resend(invitation=invitation, by=admin.user),
        lambda: services.membership_change_role(membership=member, role="admin", by=admin.user),
        lambda: services.membership_remove(membership=member, by=admin.user),
        lambda: services.membership_leave(membership=member, by=member.user),
    ]
    for attempt in attempts:
        with pytest.raises(services.MembershipError):
            attempt()
