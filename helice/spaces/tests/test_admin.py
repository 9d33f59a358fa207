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


def test_photos_uploaded_in_the_admin_are_checked_by_content(admin_client):
    """The photo inline uses core.uploads.SafeImageField: an SVG renamed .png is
    refused with a clear message, and nothing is saved."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from helice.spaces.models import SpacePhoto

    space = SpaceFactory()
    url = reverse("admin:spaces_space_change", args=[space.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "name": space.name,
            "slug": space.slug,
            "kind": space.kind,
            "status": space.status,
            "serves_born": "on",
            "operators": [o.pk for o in space.operators.all()],
            "photos-TOTAL_FORMS": "1",
            "photos-INITIAL_FORMS": "0",
            "photos-MIN_NUM_FORMS": "0",
            "photos-MAX_NUM_FORMS": "1000",
            "photos-0-credit": "Photographe",
            "photos-0-alt_fr": "La façade",
            "photos-0-position": "0",
            "photos-0-image": SimpleUploadedFile(
                "photo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/png"
            ),
        }
    )
    data = {k: v for k, v in data.items() if v != ""}
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    from helice.core.uploads import MESSAGES

    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert errors == [{"image": [str(MESSAGES["svg"])]}]
    assert not SpacePhoto.objects.exists()
