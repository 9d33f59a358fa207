"""Staff roles: their groups and permissions, and the predicates that read them."""

import pytest
from django.contrib.auth.models import Group

from helice.accounts.tests.factories import UserFactory
from helice.core import roles

pytestmark = pytest.mark.django_db


def test_every_role_has_its_group_with_its_permissions():
    roles.roles_sync()
    moderator = Group.objects.get(name=roles.MODERATOR)
    codenames = set(moderator.permissions.values_list("codename", flat=True))
    assert {"change_organization", "view_revision", "view_membership"} <= codenames
    assert "delete_organization" not in codenames
    administrator = Group.objects.get(name=roles.ADMINISTRATOR)
    assert administrator.permissions.filter(codename="delete_organization").exists()
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLE_LABELS)


def test_sync_resets_a_role_to_its_list():
    roles.roles_sync()
    group = Group.objects.get(name=roles.STRATEGY_MANAGER)
    extra = Group.objects.get(name=roles.ADMINISTRATOR).permissions.get(codename="delete_organization")
    group.permissions.add(extra)
    roles.roles_sync()
    assert not group.permissions.filter(pk=extra.pk).exists()


@pytest.mark.parametrize(
    ("trait", "expected"),
    [
        ({}, set()),
        ({"moderator": True}, {"moderator"}),
        ({"strategy_manager": True}, {"strategy_manager"}),
        ({"observatory_analyst": True}, {"observatory_analyst"}),
        ({"administrator": True}, {"administrator", "moderator", "strategy_manager", "observatory_analyst"}),
    ],
)
def test_role_predicates(trait, expected):
    user = UserFactory(**trait)
    predicates = {
        "administrator": roles.is_administrator,
        "moderator": roles.is_moderator,
        "strategy_manager": roles.is_strategy_manager,
        "observatory_analyst": roles.is_observatory_analyst,
    }
    assert {name for name, predicate in predicates.items() if predicate(user)} == expected


def test_superuser_holds_every_role_and_inactive_users_none():
    assert roles.is_moderator(UserFactory(is_superuser=True))
    assert not roles.is_moderator(UserFactory(moderator=True, is_active=False))
