import pytest
from django.urls import reverse

from helice.core.roles import MODERATOR, roles_sync

from .factories import SpaceFactory

pytestmark = pytest.mark.django_db


def test_admin_pages_render(admin_client):
    space = SpaceFactory()
    assert admin_client.get(reverse("admin:spaces_space_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:spaces_space_add")).status_code == 200
    response = admin_client.get(reverse("admin:spaces_space_change", args=[space.pk]))
    assert response.status_code == 200
    assert b"credit" in response.content.lower() or "crédit".encode() in response.content


def test_moderators_group_may_change_spaces(django_user_model):
    roles_sync()
    from django.contrib.auth.models import Group

    codenames = set(Group.objects.get(name=MODERATOR).permissions.values_list("codename", flat=True))
    assert {"view_space", "change_space"} <= codenames
