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

Emails go through ``helice.core.mail`` (rendered in the site's language). Join
request emails are sent after the transaction commits; a mail server failure is
logged and never undoes what was saved. Invitation emails carry the only copy of
the link, so ``invitation_create`` and ``invitation_resend`` commit first
(a durable transaction: never call them inside another one), then send, and say
whether the server took the email (``SentInvitation.sent``); an invitation whose
current link was not sent has an empty ``last_sent_at`` and is resent from the
members page."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import NamedTuple

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
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
from helice.core import mail, roles
from helice.directory.models import Organization, PublicationStatus

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


class SentInvitation(NamedTuple):
    """What ``invitation_create`` and ``invitation_resend`` return: the invitation,
    its raw token (only in the email; the database keeps its hash) and whether the
    mail server took the email (False: the invitation stays pending, resend it)."""

    invitation: Invitation
    token: str
    sent: bool


def invitation_valid_days() -> int:
    return settings.INVITATION_VALID_DAYS


def _state_error(obj: JoinRequest | Invitation) -> InvalidTransition:
    return InvalidTransition(
        _("This cannot be done: it is already %(state)s.") % {"state": RequestStatus(obj.status).label.lower()},
        code="invalid_transition",
    )


def _transition(obj: JoinRequest | Invitation, target: str) -> None:
    """Move ``obj`` to ``target`` or refuse, following ``TRANSITIONS``."""
    if target not in TRANSITIONS.get(obj.status, frozenset()):
        raise _state_error(obj)
    obj.status = target


def _require(user, perm: str, organization: Organization) -> None:
    """``organization`` is the one of the row locked in the database, never the
    caller's instance (which may be stale or point elsewhere)."""
    if user is None or not user.is_authenticated or not user.has_perm(perm, organization):
        raise PermissionDenied(_("You may not manage the members of this organisation."))


def _gone() -> MembershipError:
    return MembershipError(_("This person is no longer a member of the organisation."), code="gone")


def _locked_membership(membership: Membership) -> tuple[Membership, list[Membership]]:
    """The membership as it is in the database and all its organisation's
    memberships, locked until the transaction ends (always in the same order, by
    pk), so that two administrators cannot demote or remove each other at the same
    time and leave the organisation without any (no-op on SQLite, which serialises
    writes)."""
    organization_id = Membership.objects.filter(pk=membership.pk).values_list("organization_id", flat=True).first()
    if organization_id is None:
        raise _gone()
    locked = list(
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organization")
        .filter(organization_id=organization_id)
        .order_by("pk")
    )
    current = next((m for m in locked if m.pk == membership.pk), None)
    if current is None:
        raise _gone()
    return current, locked


def _ensure_an_admin_remains(current: Membership, locked: list[Membership], *, removing: bool) -> None:
    """Refuse to remove or demote the last administrator of an organisation."""
    if current.role != MembershipRole.ADMIN:
        return
    if sum(1 for m in locked if m.role == MembershipRole.ADMIN) > 1:
        return
    if removing:
        message = _("%(name)s is the organisation's last administrator: name another administrator before they leave.")
    else:
        message = _(
            "%(name)s is the organisation's last administrator: name another administrator before changing their role."
        )
    raise MembershipError(message % {"name": current.user.public_name}, code="last_admin")


def _valid_role(role: str) -> str:
    if role not in MembershipRole.values:
        raise MembershipError(_("Unknown role."), code="role")
    return role


# --- emails -------------------------------------------------------------------------


def _admin_emails(organization: Organization) -> list[str]:
    return list(
        Membership.objects.filter(
            organization=organization, role=MembershipRole.ADMIN, user__is_active=True, user__deleted_at__isnull=True
        )
        .exclude(user__email__isnull=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _link(name: str, **kwargs) -> str:
    """An absolute link for an email, in the email's language (the site's)."""
    with translation.override(settings.LANGUAGE_CODE):
        return mail.absolute(reverse(name, kwargs=kwargs or None))


def verified_email(user) -> str:
    """The address organisation administrators see beside a join request: the
    person's primary address if verified, else another verified one ("" if none)."""
    return (
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
        .first()
        or ""
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
        mail.send_after_commit(
            template="accounts/email/join_request",
            context={
                "join_request": join_request,
                "organization": organization,
                "requester_name": user.public_name,
                "requester_email": verified_email(user),
                "members_url": _link("accounts:members", slug=organization.slug),
            },
            recipients=_admin_emails(organization) or mail.role_emails(roles.MODERATOR),
        )
    return join_request


def _locked_invitation(invitation: Invitation) -> Invitation:
    """The invitation as it is in the database, locked; refused cleanly when it was
    deleted meanwhile."""
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk=invitation.pk)
        .first()
    )
    if locked is None:
        raise MembershipError(_("This invitation no longer exists."), code="gone")
    return locked


def _locked_join_request(join_request: JoinRequest) -> JoinRequest:
    """The request as it is in the database, locked; refused cleanly when it was
    deleted meanwhile (its author deleted their account)."""
    locked = (
        JoinRequest.objects.select_for_update(of=("self",))
        .select_related("user", "organization")
        .filter(pk=join_request.pk)
        .first()
    )
    if locked is None:
        raise MembershipError(_("This join request no longer exists."), code="gone")
    return locked


def _decide_join_request(locked: JoinRequest, target: str, *, by, reason: str = "") -> None:
    """Accept or refuse a locked request through ``TRANSITIONS``; the requester is
    told by email once the transaction commits."""
    _transition(locked, target)
    locked.decided_at = timezone.now()
    locked.decided_by = by
    locked.reason = reason
    locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    mail.send_after_commit(
        template="accounts/email/join_request_decision",
        context={
            "join_request": locked,
            "organization": locked.organization,
            "accepted": locked.status == RequestStatus.ACCEPTED,
            "my_space_url": _link("accounts:my_space"),
        },
        recipients=[locked.user.email],
    )


def join_request_accept(*, join_request: JoinRequest, by, role: str = MembershipRole.EDITOR) -> Membership:
    """Accept: the requester becomes a member with ``role`` and is told by email."""
    _valid_role(role)
    with transaction.atomic():
        locked = _locked_join_request(join_request)
        _require(by, MANAGE_MEMBERS, locked.organization)
        _decide_join_request(locked, RequestStatus.ACCEPTED, by=by)
        membership, created = Membership.objects.get_or_create(
            user=locked.user, organization=locked.organization, defaults={"role": role, "added_by": by}
        )
        if not created and role == MembershipRole.ADMIN and membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
    join_request.refresh_from_db()
    forget_roles(join_request.user)
    return membership


def join_request_refuse(*, join_request: JoinRequest, by, reason: str) -> JoinRequest:
    """Refuse, with a reason the requester reads in their space and by email."""
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _locked_join_request(join_request)
        _require(by, MANAGE_MEMBERS, locked.organization)
        if not reason:
            raise MembershipError(_("Give the reason for the refusal: the person will read it."), code="reason")
        _decide_join_request(locked, RequestStatus.REFUSED, by=by, reason=reason)
    join_request.refresh_from_db()
    return join_request


def join_request_withdraw(*, join_request: JoinRequest, by) -> JoinRequest:
    """The requester takes back a pending request."""
    with transaction.atomic():
        locked = _locked_join_request(join_request)
        if by is None or not by.is_authenticated or by.pk != locked.user_id:
            raise PermissionDenied(_("Only the person who sent this request can withdraw it."))
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


def _pending_invitation(organization: Organization, email: str) -> Invitation | None:
    return (
        Invitation.objects.select_for_update()
        .filter(organization=organization, email__iexact=email, status=RequestStatus.PENDING)
        .first()
    )


def _new_link(invitation: Invitation) -> str:
    """Give ``invitation`` a new token (the old link stops working) and a new
    expiry; the new link is not sent yet. Returns the raw token."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.expires_at = timezone.now() + timedelta(days=invitation_valid_days())
    invitation.last_sent_at = None
    return token


def _send_invitation(invitation: Invitation, token: str) -> bool:
    """Email the link now (the invitation is committed); record when it was sent."""
    sent = mail.send_now(
        template="accounts/email/invitation",
        context={
            "invitation": invitation,
            "organization": invitation.organization,
            "role_label": MembershipRole(invitation.role).label,
            "accept_url": _link("accounts:invitation", token=token),
            "valid_days": invitation_valid_days(),
        },
        recipients=[invitation.email],
    )
    if sent:
        now = timezone.now()
        # Only if the link was not replaced meanwhile.
        Invitation.objects.filter(pk=invitation.pk, token_hash=hash_token(token)).update(last_sent_at=now)
        invitation.last_sent_at = now
    return sent


def _refresh(invitation: Invitation, *, role: str, by) -> str:
    token = _new_link(invitation)
    invitation.role = role
    invitation.invited_by = by
    invitation.created_at = timezone.now()
    invitation.save()
    return token


def invitation_create(*, organization: Organization, email: str, role: str, by) -> SentInvitation:
    """Invite ``email`` to act for ``organisation`` with ``role``, and email the link.

    Inviting an address that already has a pending invitation refreshes it (new
    link, new expiry, new role) instead of adding one; the database allows one
    pending invitation per organisation and address (any case), so two
    administrators inviting the same address at once end with one invitation.
    Commits, then sends: not to be called inside a transaction."""
    _require(by, MANAGE_MEMBERS, organization)
    _valid_role(role)
    email = (email or "").strip()
    if not email:
        raise MembershipError(_("Enter an email address."), code="email")
    with transaction.atomic(durable=True):
        already = Membership.objects.filter(organization=organization).filter(
            Q(user__email__iexact=email) | Q(user__emailaddress__email__iexact=email, user__emailaddress__verified=True)
        )
        if already.exists():
            raise MembershipError(
                _("%(email)s already belongs to a member of this organisation.") % {"email": email}, code="member"
            )
        invitation = _pending_invitation(organization, email)
        if invitation is None:
            try:
                with transaction.atomic():
                    invitation = Invitation(organization=organization, email=email, role=role, invited_by=by)
                    token = _new_link(invitation)
                    invitation.save()
            except IntegrityError:
                # Someone invited the same address at the same moment: refresh theirs.
                invitation = _pending_invitation(organization, email)
                if invitation is None:
                    raise
                token = _refresh(invitation, role=role, by=by)
        else:
            token = _refresh(invitation, role=role, by=by)
    return SentInvitation(invitation, token, _send_invitation(invitation, token))


def invitation_resend(*, invitation: Invitation, by) -> SentInvitation:
    """Send a pending invitation again with a new link (the old one stops working)
    and a new expiry. Commits, then sends: not to be called inside a transaction."""
    with transaction.atomic(durable=True):
        locked = _locked_invitation(invitation)
        _require(by, MANAGE_MEMBERS, locked.organization)
        if locked.status != RequestStatus.PENDING:
            raise _state_error(locked)
        token = _new_link(locked)
        locked.save(update_fields=["token_hash", "expires_at", "last_sent_at"])
    return SentInvitation(locked, token, _send_invitation(locked, token))


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
    locked = None
    if found is not None:
        locked = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(pk=found.pk)
            .first()
        )
    if locked is None:  # unknown token, or deleted meanwhile
        raise MembershipError(_("This invitation link is not valid."), code="unknown")
    if locked.email.lower() not in _verified_emails(user):
        raise MembershipError(
            _(
                "This invitation was sent to %(email)s. Log in with that address, or add it to your account "
                "(E-mail addresses page) and confirm it, to answer."
            )
            % {"email": locked.email},
            code="email_mismatch",
        )
    if locked.status == RequestStatus.PENDING and locked.is_expired:
        raise MembershipError(_("This invitation has expired. Ask the organisation for a new one."), code="expired")
    return locked


def invitation_accept(*, user, token: str | None = None, invitation: Invitation | None = None) -> Membership:
    """The invitee accepts (by the link's ``token`` or, from their space, the
    ``invitation`` addressed to one of their verified emails) and becomes a member.
    A join request they had also sent is accepted with it (and they are told, as
    for every accepted request)."""
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
        pending = (
            JoinRequest.objects.select_for_update(of=("self",))
            .select_related("user", "organization")
            .filter(user=user, organization=locked.organization, status=RequestStatus.PENDING)
        )
        for join_request in pending:
            _decide_join_request(join_request, RequestStatus.ACCEPTED, by=locked.invited_by)
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
    with transaction.atomic():
        locked = _locked_invitation(invitation)
        _require(by, MANAGE_MEMBERS, locked.organization)
        _transition(locked, RequestStatus.WITHDRAWN)
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
    invitation.refresh_from_db()
    return invitation


# --- memberships ----------------------------------------------------------------------


def membership_change_role(*, membership: Membership, role: str, by) -> Membership:
    """Make a member an administrator or an editor; the last administrator stays one."""
    _valid_role(role)
    with transaction.atomic():
        current, locked = _locked_membership(membership)
        _require(by, MANAGE_MEMBERS, current.organization)
        if role != MembershipRole.ADMIN:
            _ensure_an_admin_remains(current, locked, removing=False)
        Membership.objects.filter(pk=current.pk).update(role=role)
    membership.role = role
    _forget(membership, by)
    return membership


def membership_remove(*, membership: Membership, by) -> None:
    """An administrator (or staff) removes a member; not the last administrator."""
    with transaction.atomic():
        current, locked = _locked_membership(membership)
        _require(by, MANAGE_MEMBERS, current.organization)
        _ensure_an_admin_remains(current, locked, removing=True)
        Membership.objects.filter(pk=current.pk).delete()
    _forget(membership, by)


def membership_leave(*, membership: Membership, by) -> None:
    """``by`` leaves the organisation (``membership`` must be theirs); the last
    administrator must first name another."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied(_("Only the member can leave the organisation."))
    with transaction.atomic():
        current, locked = _locked_membership(membership)
        if by.pk != current.user_id:
            raise PermissionDenied(_("Only the member can leave the organisation."))
        _ensure_an_admin_remains(current, locked, removing=True)
        Membership.objects.filter(pk=current.pk).delete()
    _forget(membership, by)


def _forget(membership: Membership, by) -> None:
    forget_roles(membership.user)
    if by is not None and by.pk == membership.user_id:
        forget_roles(by)
