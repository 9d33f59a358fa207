"""Who may do what with an organisation and its members: written once, asked by
views, API, templates (``{% if perms.directory.edit_organization %}`` with an
object through ``has_perm``) and services alike.

Object permissions (``user.has_perm(name, organization)``):

==================================  ===========================================
``directory.edit_organization``      members (editor or administrator), moderators
``directory.view_organization_draft`` members, moderators
``accounts.manage_members``          the organisation's administrators, moderators
``directory.set_trust``              moderators (publish a partner's changes unreviewed)
``accounts.view_organization_space``  members, moderators (the organisation in "my space", its members)
==================================  ===========================================

A person's memberships are read once per request object (``user`` instance)."""

import rules

from helice.core.roles import is_moderator

from .models import Membership, MembershipRole


def organization_roles(user) -> dict[int, str]:
    """{organization id: role} for this user, read once per user instance."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, "_helice_memberships", None)  # see core.roles.has_role
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organization_id", "role"))
        user._helice_memberships = cached
    return cached


def forget_roles(user) -> None:
    """Drop the per-instance cache after a membership of ``user`` changed."""
    for name in ("_helice_memberships", "_helice_roles"):
        if hasattr(user, name):
            delattr(user, name)


@rules.predicate
def is_member(user, organization):
    return organization is not None and organization.pk in organization_roles(user)


@rules.predicate
def is_organization_admin(user, organization):
    return organization is not None and organization_roles(user).get(organization.pk) == MembershipRole.ADMIN


rules.add_perm("directory.edit_organization", is_member | is_moderator)
rules.add_perm("directory.view_organization_draft", is_member | is_moderator)
rules.add_perm("accounts.manage_members", is_organization_admin | is_moderator)
rules.add_perm("directory.set_trust", is_moderator)

# The partner space: an organisation's page in "my space" and its list of members
# are seen by its members and by moderators; anyone else gets a 404 (docs/architecture.md).
rules.add_perm("accounts.view_organization_space", is_member | is_moderator)
