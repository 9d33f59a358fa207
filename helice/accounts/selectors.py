"""Reads of the accounts part: a person's organisations, requests and invitations,
an organisation's members and what awaits its administrators."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from helice.accounts.models import Invitation, JoinRequest, Membership, RequestStatus
from helice.directory.models import Organization


def user_memberships(user) -> QuerySet[Membership]:
    """My organisations, with my role, by organisation name."""
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name_key")


def user_join_requests(user) -> QuerySet[JoinRequest]:
    """The join requests I sent, newest first, whatever their state."""
    return JoinRequest.objects.filter(user=user).select_related("organization").order_by("-created_at", "-id")


def user_verified_emails(user) -> list[str]:
    return list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))


def user_pending_invitations(user, emails: list[str] | None = None) -> QuerySet[Invitation]:
    """Pending, unexpired invitations sent to one of my verified addresses
    (``emails``, when the caller has already read them)."""
    emails = user_verified_emails(user) if emails is None else emails
    if not emails:
        return Invitation.objects.none()
    same_address = Q()
    for email in emails:
        same_address |= Q(email__iexact=email)
    return (
        Invitation.objects.filter(same_address, status=RequestStatus.PENDING, expires_at__gt=timezone.now())
        .select_related("organization", "invited_by")
        .order_by("-created_at", "-id")
    )


def space_organization(user, slug: str) -> Organization:
    """The organisation ``slug`` as seen in ``user``'s space: its members and
    moderators see it; for anyone else it does not exist (404), so a draft's
    existence never leaks."""
    organization = get_object_or_404(Organization, slug=slug)
    if not user.has_perm("accounts.view_organization_space", organization):
        raise Http404("No organisation here.")
    return organization


def organization_members(organization: Organization) -> QuerySet[Membership]:
    """Administrators first, then editors, each by name."""
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("role", "user__display_name", "user__username")
    )


def organization_pending_invitations(organization: Organization) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(organization=organization, status=RequestStatus.PENDING)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def _with_requester_email(join_requests: QuerySet[JoinRequest]) -> QuerySet[JoinRequest]:
    """``requester_email``: the requester's verified address (primary first), which
    the people deciding see (the join page tells the requester so)."""
    verified = EmailAddress.objects.filter(user=OuterRef("user_id"), verified=True).order_by("-primary", "pk")
    return join_requests.annotate(requester_email=Subquery(verified.values("email")[:1]))


def organization_pending_join_requests(organization: Organization) -> QuerySet[JoinRequest]:
    return _with_requester_email(
        JoinRequest.objects.filter(organization=organization, status=RequestStatus.PENDING)
        .select_related("user")
        .order_by("created_at", "id")
    )


def pending_join_requests() -> QuerySet[JoinRequest]:
    """Every pending join request, oldest first (staff's list)."""
    return _with_requester_email(
        JoinRequest.objects.filter(status=RequestStatus.PENDING)
        .select_related("user", "organization")
        .order_by("created_at", "id")
    )
