"""Who may see and handle requests (asked by views, services and templates).

==============================  =================================================
``referrals.handle_case``        members of the case's organisation; the
                                 metropolis's team (members of
                                 ``REQUESTS_TEAM_ORGANIZATION``); administrators
``referrals.view_inbox``         members of the organisation (object), the team,
                                 administrators
``referrals.see_all_cases``      the team and administrators (every inbox)
==============================  =================================================

A requester's personal data (name, address, phone, SIREN, message) is shown only
to those who may handle the case; the requester reaches their own request through
the private link sent by e-mail (or from their account)."""

import rules
from django.conf import settings

from helice.accounts.rules import organization_roles
from helice.core.roles import is_administrator
from helice.directory.models import Organization


def team_organization_id() -> int | None:
    return Organization.objects.filter(slug=settings.REQUESTS_TEAM_ORGANIZATION).values_list("pk", flat=True).first()


@rules.predicate
def is_in_team(user):
    roles = organization_roles(user)
    if not roles:
        return False
    cached = getattr(user, "_helice_team_id", ...)
    if cached is ...:
        cached = team_organization_id()
        user._helice_team_id = cached
    return cached is not None and cached in roles


@rules.predicate
def is_case_member(user, case):
    return case is not None and case.organization_id in organization_roles(user)


@rules.predicate
def is_organization_member(user, organization):
    return organization is not None and organization.pk in organization_roles(user)


rules.add_perm("referrals.handle_case", is_case_member | is_in_team | is_administrator)
rules.add_perm("referrals.view_inbox", is_organization_member | is_in_team | is_administrator)
rules.add_perm("referrals.see_all_cases", is_in_team | is_administrator)
