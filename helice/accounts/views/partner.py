"""The partner space ("my space"): my organisations, my join requests and the
invitations addressed to me, and each organisation's page in my space.

Access rule of the partner space: an organisation's pages here are seen by its
members and by moderators; for anyone else they do not exist (404), whether the
organisation is published or a draft, so nothing leaks. A person who can see the
organisation but may not do an action (an editor managing members) gets a 403."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from helice.accounts import selectors
from helice.accounts.models import MembershipRole
from helice.core import sections
from helice.core.roles import is_moderator


@login_required
@require_GET
def my_space(request):
    user = request.user
    memberships = list(selectors.user_memberships(user))
    moderator = is_moderator(user)
    verified_emails = selectors.user_verified_emails(user)
    context = {
        "memberships": memberships,
        "join_requests": list(selectors.user_join_requests(user)[:50]),
        "invitations": list(selectors.user_pending_invitations(user, verified_emails)),
        "verified_emails": verified_emails,
        "is_moderator": moderator,
        "pending_join_request_count": selectors.pending_join_requests().count() if moderator else 0,
        "my_space_sections": sections.for_object(user, key="my-space", user=user),
    }
    return render(request, "accounts/my_space.html", context)


@login_required
@require_GET
def organization(request, slug):
    organization = selectors.space_organization(request.user, slug)
    role = selectors.user_memberships(request.user).filter(organization=organization).values_list("role", flat=True)
    my_role = next(iter(role), None)
    context = {
        "organization": organization,
        "my_role": my_role,
        "my_role_label": MembershipRole(my_role).label if my_role else None,
        "can_manage_members": request.user.has_perm("accounts.manage_members", organization),
        # What later parts add to the organisation's page (its services, events…).
        "partner_sections": sections.for_object(organization, key="partner-space", user=request.user),
    }
    return render(request, "accounts/organization.html", context)
