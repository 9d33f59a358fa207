"""Staff roles of the metropolis's team, as Django groups.

Each role is a group; what a role may do is written once, as predicates
(django-rules) that views, API and templates all ask. The model permissions a
role's group carries in the admin are listed in ``ROLE_PERMISSIONS`` and kept in
sync by ``roles_sync()`` after every migration (parts that arrive later add their
own ``app_label.codename`` entries).

A superuser holds every role."""

import rules
from django.utils.translation import gettext_lazy as _

ADMINISTRATOR = "administrator"
MODERATOR = "moderator"
STRATEGY_MANAGER = "strategy_manager"
OBSERVATORY_ANALYST = "observatory_analyst"

ROLE_LABELS = {
    ADMINISTRATOR: _("Administrator"),
    MODERATOR: _("Moderator"),
    STRATEGY_MANAGER: _("Strategy manager"),
    OBSERVATORY_ANALYST: _("Observatory analyst"),
}


def has_role(user, role: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # getattr/setattr, not __dict__: request.user is a lazy proxy that forwards
    # attributes to the real user, whose instance lives as long as the request.
    cache = getattr(user, "_helice_roles", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._helice_roles = cache
    return role in cache or ADMINISTRATOR in cache


@rules.predicate
def is_administrator(user):
    return has_role(user, ADMINISTRATOR)


@rules.predicate
def is_moderator(user):
    return has_role(user, MODERATOR)


@rules.predicate
def is_strategy_manager(user):
    return has_role(user, STRATEGY_MANAGER)


@rules.predicate
def is_observatory_analyst(user):
    return has_role(user, OBSERVATORY_ANALYST)


@rules.predicate
def is_team_member(user):
    """Any staff role of the metropolis's team."""
    return any(has_role(user, role) for role in ROLE_LABELS)


# Model permissions (Django admin) each role's group carries. ``"app_label.*"``
# means every permission of that app. Parts that arrive later add their entries.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    ADMINISTRATOR: ["core.*", "directory.*", "accounts.*", "moderation.*", "auth.view_group"],
    MODERATOR: [
        "directory.view_organization",
        "directory.change_organization",
        "directory.view_internationalactivity",
        "moderation.view_revision",
        "accounts.view_membership",
        "accounts.view_joinrequest",
        "accounts.view_invitation",
        "accounts.view_user",
    ],
    STRATEGY_MANAGER: ["core.view_sector", "directory.view_organization"],
    OBSERVATORY_ANALYST: ["core.view_sector", "core.view_commune", "directory.view_organization"],
}


def roles_sync(**kwargs) -> None:
    """Create the role groups and give each exactly the permissions listed above
    (run after every migration; permissions granted by hand to a role group are
    reset to the list, which is the reference)."""
    from django.contrib.auth.models import Group, Permission

    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        permissions = Permission.objects.none()
        for entry in wanted:
            app_label, codename = entry.split(".", 1)
            if codename == "*":
                permissions |= Permission.objects.filter(content_type__app_label=app_label)
            else:
                permissions |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        group.permissions.set(permissions)
