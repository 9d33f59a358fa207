"""The requests panel of an organisation's page in the partner space."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from helice.accounts.rules import organization_roles
from helice.core import sections

from . import selectors


def _inbox_panel(organization, user=None):
    if user is None or not user.has_perm("referrals.view_inbox", organization):
        return None
    return sections.Section(
        title=_("Requests received"),
        template="referrals/_inbox_panel.html",
        items={
            "organization": organization,
            "open": selectors.open_count(user, organization),
            "stats": selectors.organization_statistics(organization),
            "limit": settings.REQUESTS_ANSWER_WORKING_DAYS,
        },
        order=50,
    )


def _my_space_panel(person, user=None):
    """Requests in "my space": the inbox for those who handle some, and the
    person's own requests."""
    from .models import Request

    user = person
    handles = bool(organization_roles(user)) or user.has_perm("referrals.see_all_cases")
    sent = Request.objects.filter(user=user, anonymised_at__isnull=True).count()
    if not handles and not sent:
        return None
    open_cases = selectors.inbox(user, status="open").count() if handles else 0
    return sections.Section(
        title=_("Requests"),
        template="referrals/_my_space_panel.html",
        items={"handles": handles, "open": open_cases, "sent": sent},
        order=10,
    )


def register() -> None:
    sections.register("partner-space", _inbox_panel)
    sections.register("my-space", _my_space_panel)
