"""The accounts part's section of the personal-data registry (helice.core.personal_data):
profile, email addresses, single sign-on links, staff roles and sign-in history."""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helice.core import personal_data


def _iso(value):
    return value.isoformat() if value else None


def _axes_filter(user) -> Q:
    """django-axes' rows about ``user``: axes records attempts under the address
    typed in (lowercased, ``adapter.axes_username``), which may be any of the
    person's addresses, or under the username. Read the addresses before they
    are deleted."""
    addresses = {user.email or "", *EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    names = {user.username} | {address for address in addresses if address}
    names |= {name.lower() for name in names}
    return Q(username__in=sorted(names))


def export_account(user) -> dict:
    return {
        "profile": {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "display_name": user.display_name,
            "participant_category": user.participant_category,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "single_sign_on": [
            {
                "provider": account.provider,
                "uid": account.uid,
                "date_joined": _iso(account.date_joined),
                "last_login": _iso(account.last_login),
            }
            for account in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "sign_in_history": [
            {
                "signed_in_at": _iso(log.attempt_time),
                "signed_out_at": _iso(log.logout_time),
                "ip_address": log.ip_address,
                "user_agent": log.user_agent,
            }
            for log in AccessLog.objects.filter(_axes_filter(user)).order_by("-attempt_time")
        ],
        "failed_sign_ins": [
            {"at": _iso(log.attempt_time), "ip_address": log.ip_address}
            for log in AccessFailureLog.objects.filter(_axes_filter(user)).order_by("-attempt_time")
        ],
    }


def erase_account(user) -> None:
    """Delete the sign-in records under every address of the person (collected
    first), then the addresses and single sign-on links; the user row itself is
    anonymised by ``user_delete``."""
    axes_rows = _axes_filter(user)
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(axes_rows).delete()
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()


def register() -> None:
    personal_data.register(
        "accounts.account",
        export_account,
        erase_account,
        description=_("Your account: profile, email addresses, single sign-on links, staff roles and sign-in history."),
    )
