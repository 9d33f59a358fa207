"""The memberships' section of the personal-data registry (helice.core.personal_data).

Export: the person's memberships, the join requests they sent and the invitations
they sent. Erasure: their memberships and join requests are deleted, and the
invitations addressed to their addresses. Deleting the last administrator of an
organisation is allowed: the organisation is left without administrator, its
members page says so, and the moderators (who manage the members of every
organisation) name a new one."""

from allauth.account.models import EmailAddress
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helice.accounts.models import Invitation, JoinRequest, Membership
from helice.core import personal_data


def _iso(value):
    return value.isoformat() if value else None


def export_memberships(user) -> dict:
    return {
        "memberships": [
            {"organization": m.organization.name, "role": m.role, "since": _iso(m.created_at)}
            for m in Membership.objects.filter(user=user).select_related("organization").order_by("pk")
        ],
        "join_requests": [
            {
                "organization": r.organization.name,
                "message": r.message,
                "status": r.status,
                "sent_at": _iso(r.created_at),
                "decided_at": _iso(r.decided_at),
                "reason": r.reason,
            }
            for r in JoinRequest.objects.filter(user=user).select_related("organization").order_by("pk")
        ],
        "invitations_sent": [
            {
                "organization": i.organization.name,
                "email": i.email,
                "role": i.role,
                "status": i.status,
                "sent_at": _iso(i.created_at),
            }
            for i in Invitation.objects.filter(invited_by=user).select_related("organization").order_by("pk")
        ],
    }


def erase_memberships(user) -> None:
    Membership.objects.filter(user=user).delete()
    JoinRequest.objects.filter(user=user).delete()
    addresses = set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    if user.email:
        addresses.add(user.email)
    if addresses:
        same = Q()
        for address in addresses:
            same |= Q(email__iexact=address)
        Invitation.objects.filter(same).delete()


def register() -> None:
    personal_data.register(
        "accounts.memberships",
        export_memberships,
        erase_memberships,
        description=_("Your organisations and roles, the join requests you sent and the invitations you sent."),
    )
