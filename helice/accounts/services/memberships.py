"""Memberships of organisations, join requests and invitations: every write.

Each function is keyword-only, runs in one transaction, checks who may call it
(``accounts.manage_members`` from ``helice.accounts.rules``) and raises:

- ``PermissionDenied`` when the caller may not do it;
- ``MembershipError`` (a ``ValidationError``) when the request is refused by a
  rule of the domain (already a member, last administrator, expired invitation…),
  with a message meant for the person;
- ``InvalidTransition`` (a ``MembershipError``) when a join request or an
  invitation is not in a state that allows the change.

States of join requests and invitations (``RequestStatus``)::

    pending ──> accepted     (by the organisation's admins or staff / by the invitee)
            ──> refused      (by the admins or staff, with a reason / declined by the invitee)
            ──> withdrawn    (by the requester / invitation revoked by the admins or staff)

Every other change is refused: ``TRANSITIONS`` below is the one place that says so.

Emails are sent after the transaction commits; a mail server failure is logged
and never undoes what was saved."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from helice.accounts.models import (
    Invitation,
    JoinRequest,
    Membership,
    MembershipRole,
    RequestStatus,
    hash_token,
)
from helice.accounts.rules import forget_roles
from helice.core import roles
from helice.directory.models import Organization, PublicationStatus

logger = logging.getLogger(__name__)

MANAGE_MEMBERS = "accounts.manage_members"

# The state machine of join requests and invitations, written once.
TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.PENDING: frozenset({RequestStatus.ACCEPTED, RequestStatus.REFUSED, RequestStatus.WITHDRAWN}),
    RequestStatus.ACCEPTED: frozenset(),
    RequestStatus.REFUSED: frozenset(),
    RequestStatus.WITHDRAWN: frozenset(),
}


class MembershipError(ValidationError):
    """A change refused by a rule of memberships; the message is for the person."""


class InvalidTransition(MembershipError):
    """A join request or an invitation cannot go from its state to the one asked."""


def invitation_valid_days() -> int:
    return settings.INVITATION_VALID_DAYS


def _transition(obj: JoinRequest | Invitation, target: str) -> None:
    """Move ``obj`` to ``target`` or refuse, following ``TRANSITIONS``."""
    current = obj.status
    if target not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(
            _("This cannot be done: it is already %(state)s.") % {"state": RequestStatus(current).label.lower()},
            code="invalid_transition",
        )
    obj.status = target


def _require(user, perm: str, organization: Organization) -> None:
    if user is None or not user.is_authenticated or not user.has_perm(perm, organization):
        raise PermissionDenied(_("You may not manage the members of this organisation."))


def _lock_memberships(organization: Organization) -> list[Membership]:
    """Lock the organisation's memberships until the transaction ends, so that two
    administrators cannot demote or remove each other at the same time and leave
    the organisation without any (no-op on SQLite, which serialises writes)."""
    return list(Membership.objects.select_for_update().filter(organization=organization).order_by("pk"))


def _ensure_an_admin_remains(organization: Organization, membership: Membership, *, removing: bool) -> None:
    """Refuse to remove or demote the last administrator of an organisation."""
    locked = _lock_memberships(organization)
    current = next((m for m in locked if m.pk == membership.pk), None)
    if current is None:
        raise MembershipError(_("This person is no longer a member of the organisation."), code="gone")
    if current.role != MembershipRole.ADMIN:
        return
    admins = [m for m in locked if m.role == MembershipRole.ADMIN]
    if len(admins) <= 1:
        if removing:
            message = _(
                "%(name)s is the organisation's last administrator: name another administrator before they leave."
            )
        else:
            message = _(
                "%(name)s is the organisation's last administrator: name another administrator "
                "before changing their role."
            )
        raise MembershipError(message % {"name": current.user}, code="last_admin")


def _valid_role(role: str) -> str:
    if role not in MembershipRole.values:
        raise MembershipError(_("Unknown role."), code="role")
    return role


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# --- emails -------------------------------------------------------------------------


def _send_later(*, template: str, context: dict, recipients: list[str]) -> None:
    """Send ``accounts/email/<template>_subject.txt`` / ``_body.txt`` once the
    transaction commits, in the language active now. A failure is logged only."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    language = translation.get_language() or settings.LANGUAGE_CODE

    def send():
        try:
            with translation.override(language):
                full = {"site_name": getattr(settings, "HELICE_SITE_NAME", "Hélice"), **context}
                subject = " ".join(render_to_string(f"accounts/email/{template}_subject.txt", full).split())
                body = render_to_string(f"accounts/email/{template}_body.txt", full)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except Exception:
            logger.exception("Could not send the %s email to %d recipient(s)", template, len(recipients))

    transaction.on_commit(send)


def _admin_emails(organization: Organization) -> list[str]:
    return list(
        Membership.objects.filter(
            organization=organization, role=MembershipRole.ADMIN, user__is_active=True, user__deleted_at__isnull=True
        )
        .exclude(user__email__isnull=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _moderator_emails() -> list[str]:
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, deleted_at__isnull=True)
        .filter(Q(groups__name__in=[roles.MODERATOR, roles.ADMINISTRATOR]) | Q(is_superuser=True))
        .exclude(email__isnull=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


# --- join requests --------------------------------------------------------------------


def join_request_create(*, user, organization: Organization, message: str = "") -> JoinRequest:
    """``user`` asks to act for a published ``organisation``; its administrators
    (or the moderators when it has none) are told by email."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Log in to ask to join an organisation."))
    if organization.status != PublicationStatus.PUBLISHED:
        raise MembershipError(_("Only published organisations can be joined."), code="unpublished")
    with transaction.atomic():
        if Membership.objects.filter(user=user, organization=organization).exists():
            raise MembershipError(_("You are already a member of this organisation."), code="member")
        if JoinRequest.objects.filter(user=user, organization=organization, status=RequestStatus.PENDING).exists():
            raise MembershipError(
                _("You have already asked to join this organisation; its administrators have not answered yet."),
                code="pending",
            )
        try:
            with transaction.atomic():
                join_request = JoinRequest.objects.create(
                    user=user, organization=organization, message=(message or "").strip()
                )
        except IntegrityError as error:  # a simultaneous identical request
            raise MembershipError(_("You have already asked to join this organisation."), code="pending") from error
        recipients = _admin_emails(organization) or _moderator_emails()
        _send_later(
            template="join_request",
            context={
                "join_request": join_request,
                "organization": organization,
                "requester": user,
                "members_url": _absolute(reverse("accounts:members", kwargs={"slug": organization.slug})),
            },
            recipients=recipients,
        )
    return join_request


def _locked_join_request(join_request: JoinRequest) -> JoinRequest:
    return JoinRequest.objects.select_for_update().select_related("user", "organization").get(pk=join_request.pk)


def _tell_requester(join_request: JoinRequest) -> None:
    _send_later(
        template="join_request_decision",
        context={
            "join_request": join_request,
            "organization": join_request.organization,
            "accepted": join_request.status == RequestStatus.ACCEPTED,
            "my_space_url": _absolute(reverse("accounts:my_space")),
        },
        recipients=[join_request.user.email] if join_request.user.email else [],
    )


def join_request_accept(*, join_request: JoinRequest, by, role: str = MembershipRole.EDITOR) -> Membership:
    """Accept: the requester becomes a member with ``role`` and is told by email."""
    _require(by, MANAGE_MEMBERS, join_request.organization)
    _valid_role(role)
    with transaction.atomic():
        locked = _locked_join_request(join_request)
        _transition(locked, RequestStatus.ACCEPTED)
        locked.decided_at = timezone.now()
        locked.decided_by = by
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        membership, created = Membership.objects.get_or_create(
            user=locked.user, organization=locked.organization, defaults={"role": role, "added_by": by}
        )
        if not created and role == MembershipRole.ADMIN and membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
        _tell_requester(locked)
    join_request.refresh_from_db()
    forget_roles(join_request.user)
    return membership


def join_request_refuse(*, join_request: JoinRequest, by, reason: str) -> JoinRequest:
    """Refuse, with a reason the requester reads in their space and by email."""
    _require(by, MANAGE_MEMBERS, join_request.organization)
    reason = (reason or "").strip()
    if not reason:
        raise MembershipError(_("Give the reason for the refusal: the person will read it."), code="reason")
    with transaction.atomic():
        locked = _locked_join_request(join_request)
        _transition(locked, RequestStatus.REFUSED)
        locked.decided_at = timezone.now()
        locked.decided_by = by
        locked.reason = reason
        locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        _tell_requester(locked)
    join_request.refresh_from_db()
    return join_request


def join_request_withdraw(*, join_request: JoinRequest, by) -> JoinRequest:
    """The requester takes back a pending request."""
    if by is None or not by.is_authenticated or by.pk != join_request.user_id:
        raise PermissionDenied(_("Only the person who sent this request can withdraw it."))
    with transaction.atomic():
        locked = _locked_join_request(join_request)
        _transition(locked, RequestStatus.WITHDRAWN)
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
    join_request.refresh_from_db()
    return join_request


# --- invitations ----------------------------------------------------------------------


def _verified_emails(user) -> set[str]:
    if user is None or not user.is_authenticated:
        return set()
    return {e.lower() for e in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)}


def invitation_create(*, organization: Organization, email: str, role: str, by) -> tuple[Invitation, str]:
    """Invite ``email`` to act for ``organisation`` with ``role``.

    Returns the invitation and its raw token, which only goes into the email: the
    database keeps its hash. Inviting an address that already has a pending
    invitation refreshes it (new link, new expiry, new role) instead of adding one."""
    _require(by, MANAGE_MEMBERS, organization)
    _valid_role(role)
    email = (email or "").strip()
    if not email:
        raise MembershipError(_("Enter an email address."), code="email")
    token = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=invitation_valid_days())
    with transaction.atomic():
        already = Membership.objects.filter(organization=organization).filter(
            Q(user__email__iexact=email) | Q(user__emailaddress__email__iexact=email, user__emailaddress__verified=True)
        )
        if already.exists():
            raise MembershipError(
                _("%(email)s already belongs to a member of this organisation.") % {"email": email}, code="member"
            )
        invitation = (
            Invitation.objects.select_for_update()
            .filter(organization=organization, email__iexact=email, status=RequestStatus.PENDING)
            .first()
        )
        if invitation is None:
            invitation = Invitation(organization=organization, email=email)
        invitation.role = role
        invitation.token_hash = hash_token(token)
        invitation.invited_by = by
        invitation.created_at = timezone.now()
        invitation.expires_at = expires_at
        invitation.save()
        _send_later(
            template="invitation",
            context={
                "invitation": invitation,
                "organization": organization,
                "inviter": by,
                "role_label": MembershipRole(role).label,
                "accept_url": _absolute(reverse("accounts:invitation", kwargs={"token": token})),
                "valid_days": invitation_valid_days(),
            },
            recipients=[email],
        )
    return invitation, token


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation this raw token opens, whatever its state; None if unknown."""
    if not token or len(token) > 128:
        return None
    return Invitation.objects.select_related("organization").filter(token_hash=hash_token(token)).first()


def _answerable(*, user, token: str | None, invitation: Invitation | None) -> Invitation:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Log in to answer an invitation."))
    if (token is None) == (invitation is None):
        raise TypeError("Pass exactly one of token or invitation.")
    found = invitation_by_token(token) if token is not None else invitation
    if found is None:
        raise MembershipError(_("This invitation link is not valid."), code="unknown")
    locked = Invitation.objects.select_for_update().select_related("organization").get(pk=found.pk)
    if locked.email.lower() not in _verified_emails(user):
        raise MembershipError(
            _(
                "This invitation was sent to %(email)s. Log in with that address, or add it to your account "
                "and confirm it, to answer."
            )
            % {"email": locked.email},
            code="email_mismatch",
        )
    if locked.status == RequestStatus.PENDING and locked.is_expired:
        raise MembershipError(_("This invitation has expired. Ask the organisation for a new one."), code="expired")
    return locked


def invitation_accept(*, user, token: str | None = None, invitation: Invitation | None = None) -> Membership:
    """The invitee accepts (by the link's ``token`` or, from their space, the
    ``invitation`` addressed to one of their verified emails) and becomes a member."""
    with transaction.atomic():
        locked = _answerable(user=user, token=token, invitation=invitation)
        _transition(locked, RequestStatus.ACCEPTED)
        locked.decided_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["status", "decided_at", "accepted_by"])
        membership, created = Membership.objects.get_or_create(
            user=user,
            organization=locked.organization,
            defaults={"role": locked.role, "added_by": locked.invited_by},
        )
        if not created and locked.role == MembershipRole.ADMIN and membership.role != MembershipRole.ADMIN:
            membership.role = MembershipRole.ADMIN
            membership.save(update_fields=["role"])
        # A join request the person had also sent is answered by the same token.
        JoinRequest.objects.filter(user=user, organization=locked.organization, status=RequestStatus.PENDING).update(
            status=RequestStatus.ACCEPTED, decided_at=timezone.now(), decided_by=locked.invited_by
        )
    forget_roles(user)
    return membership


def invitation_decline(*, user, token: str | None = None, invitation: Invitation | None = None) -> Invitation:
    """The invitee declines; the invitation cannot be used any more."""
    with transaction.atomic():
        locked = _answerable(user=user, token=token, invitation=invitation)
        _transition(locked, RequestStatus.REFUSED)
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
    return locked


def invitation_revoke(*, invitation: Invitation, by) -> Invitation:
    """The organisation's administrators (or staff) cancel a pending invitation."""
    _require(by, MANAGE_MEMBERS, invitation.organization)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _transition(locked, RequestStatus.WITHDRAWN)
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
    invitation.refresh_from_db()
    return invitation


# --- memberships ----------------------------------------------------------------------


def membership_change_role(*, membership: Membership, role: str, by) -> Membership:
    """Make a member an administrator or an editor; the last administrator stays one."""
    _require(by, MANAGE_MEMBERS, membership.organization)
    _valid_role(role)
    with transaction.atomic():
        if role != MembershipRole.ADMIN:
            _ensure_an_admin_remains(membership.organization, membership, removing=False)
        updated = Membership.objects.filter(pk=membership.pk).update(role=role)
        if not updated:
            raise MembershipError(_("This person is no longer a member of the organisation."), code="gone")
    membership.role = role
    forget_roles(membership.user)
    if by is not None and by.pk == membership.user_id:
        forget_roles(by)
    return membership


def membership_remove(*, membership: Membership, by) -> None:
    """An administrator (or staff) removes a member; not the last administrator."""
    _require(by, MANAGE_MEMBERS, membership.organization)
    _delete(membership)
    if by is not None and by.pk == membership.user_id:
        forget_roles(by)


def membership_leave(*, membership: Membership) -> None:
    """A member leaves the organisation; the last administrator must first name another."""
    _delete(membership)


def _delete(membership: Membership) -> None:
    with transaction.atomic():
        _ensure_an_admin_remains(membership.organization, membership, removing=True)
        Membership.objects.filter(pk=membership.pk).delete()
    forget_roles(membership.user)
