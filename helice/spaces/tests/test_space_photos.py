"""Operators' members change their space's photos from the partner space: a new
photo (checked and re-encoded), credits and text alternatives, removals, all
through moderation; the moderator sees the pictures themselves; bad uploads and
missing credits are refused and store nothing."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.directory.tests.factories import OrganizationFactory
from helice.moderation import services as moderation
from helice.moderation.models import Revision, RevisionStatus
from helice.spaces.forms_partner import MAX_PHOTOS
from helice.spaces.models import Space, SpacePhoto

from .factories import SpaceFactory
from .test_space_editing import data, edit_url

pytestmark = pytest.mark.django_db


def png(name="atelier.png", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def stored_photo(space, credit, alt, position=0):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "navy").save(buffer, "PNG")
    photo = SpacePhoto(space=space, credit=credit, alt_fr=alt, position=position)
    photo.image.save("existante.png", ContentFile(buffer.getvalue()), save=False)
    photo.save()
    return photo


@pytest.fixture
def space_and_member(client):
    operator = OrganizationFactory(name="Tarmac", slug="tarmac")
    space = SpaceFactory(name="Pépinière Tarmac", slug="pepiniere-tarmac", operators=[operator], unit_count=10)
    member = MembershipFactory(organization=operator).user
    client.force_login(member)
    return space, member


def files_in_photos_folder() -> list[str]:
    try:
        return default_storage.listdir("spaces/photos/")[1]
    except FileNotFoundError:
        return []


def test_a_new_photo_waits_for_review_then_is_published_with_its_credit(client, space_and_member):
    space, _member = space_and_member
    response = client.post(
        edit_url(space),
        data(
            space,
            new_photo=png(),
            new_photo_credit="Photo : Tarmac",
            new_photo_alt_fr="L'atelier de prototypage, ses établis et ses machines",
            new_photo_alt_en="The prototyping workshop",
        ),
    )
    assert response.status_code == 302
    assert not SpacePhoto.objects.exists()  # held for review
    revision = Revision.objects.get(status=RevisionStatus.PENDING)
    [photo] = revision.data["photos"]
    assert photo["image"].startswith("spaces/photos/") and photo["image"].endswith(".png")
    assert "atelier" not in photo["image"]  # a name no one can guess, not the sender's
    assert default_storage.exists(photo["image"])
    assert "établis" not in client.get(space.get_absolute_url()).content.decode()
    # The moderator sees the picture itself, its credit and its text alternative.
    moderator = UserFactory(moderator=True)
    client.force_login(moderator)
    review = client.get(reverse("moderation:review", kwargs={"pk": revision.pk})).content.decode()
    assert f'<img src="/media/{photo["image"]}"' in review
    assert "Photo : Tarmac" in review
    moderation.revision_approve(revision=revision, by=moderator)
    [published] = SpacePhoto.objects.filter(space=space)
    assert (published.image.name, published.credit, published.alt_en) == (
        photo["image"],
        "Photo : Tarmac",
        "The prototyping workshop",
    )
    page = client.get(space.get_absolute_url()).content.decode()
    assert f'src="/media/{photo["image"]}"' in page and "L&#x27;atelier de prototypage" in page
    # The photo is re-encoded: the stored file is a clean PNG.
    with default_storage.open(photo["image"]) as stored:
        assert Image.open(stored).format == "PNG"


def test_credits_change_and_a_photo_is_removed_on_approval(client, space_and_member):
    space, _member = space_and_member
    kept = stored_photo(space, "Ancien crédit", "La façade", position=0)
    removed = stored_photo(space, "Crédit 2", "Le hall", position=1)
    page = client.get(edit_url(space)).content.decode()
    assert 'name="photo_0_credit"' in page and "Ancien crédit" in page and "La façade" in page
    response = client.post(
        edit_url(space),
        data(
            space,
            photo_0_credit="Nouveau crédit",
            photo_0_alt_fr="La façade au printemps",
            photo_1_credit="Crédit 2",
            photo_1_alt_fr="Le hall",
            photo_1_remove="on",
        ),
    )
    assert response.status_code == 302
    revision = Revision.objects.get(status=RevisionStatus.PENDING)
    assert revision.data["photos"] == [
        {"image": kept.image.name, "credit": "Nouveau crédit", "alt_fr": "La façade au printemps", "alt_en": ""}
    ]
    moderation.revision_approve(revision=revision, by=UserFactory(moderator=True))
    assert list(SpacePhoto.objects.filter(space=space).values_list("pk", "credit")) == [(kept.pk, "Nouveau crédit")]
    assert not SpacePhoto.objects.filter(pk=removed.pk).exists()
    # The earlier state can be restored, photo included (its file was kept).
    assert default_storage.exists(removed.image.name)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"new_photo_credit": "", "new_photo_alt_fr": "Le hall"}, "new_photo_credit", "Indiquez-le"),
        ({"new_photo_credit": "Tarmac", "new_photo_alt_fr": ""}, "new_photo_alt_fr", "Indiquez-le"),
    ],
)
def test_a_new_photo_needs_its_credit_and_text_alternative(client, space_and_member, changes, field, message):
    space, _member = space_and_member
    response = client.post(edit_url(space), data(space, new_photo=png(), **changes))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Revision.objects.filter(status=RevisionStatus.PENDING).exists()
    assert files_in_photos_folder() == []


def test_a_file_that_is_not_an_image_is_refused(client, space_and_member):
    space, _member = space_and_member
    fake = SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    response = client.post(edit_url(space), data(space, new_photo=fake, new_photo_credit="X", new_photo_alt_fr="Y"))
    assert response.status_code == 400
    assert response.context["form"].errors["new_photo"]
    assert not Revision.objects.filter(status=RevisionStatus.PENDING).exists()
    assert files_in_photos_folder() == []


def test_an_existing_photo_keeps_a_credit_and_a_text_alternative(client, space_and_member):
    space, _member = space_and_member
    stored_photo(space, "Crédit", "La façade")
    response = client.post(edit_url(space), data(space, photo_0_credit="", photo_0_alt_fr=""))
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"photo_0_credit", "photo_0_alt_fr"}


def test_at_most_max_photos(client, space_and_member):
    space, _member = space_and_member
    existing = {}
    for n in range(MAX_PHOTOS):
        stored_photo(space, f"Crédit {n}", f"Vue {n}", position=n)
        existing[f"photo_{n}_credit"] = f"Crédit {n}"
        existing[f"photo_{n}_alt_fr"] = f"Vue {n}"
    response = client.post(
        edit_url(space), data(space, new_photo=png(), new_photo_credit="X", new_photo_alt_fr="Y", **existing)
    )
    assert response.status_code == 400
    assert "au plus 8 photos" in " ".join(response.context["form"].errors["new_photo"])
    # Removing one makes room.
    existing["photo_0_remove"] = "on"
    response = client.post(
        edit_url(space), data(space, new_photo=png(), new_photo_credit="X", new_photo_alt_fr="Y", **existing)
    )
    assert response.status_code == 302
    assert len(Revision.objects.get(status=RevisionStatus.PENDING).data["photos"]) == MAX_PHOTOS


def test_the_preview_stores_no_file(client, space_and_member):
    space, _member = space_and_member
    response = client.post(
        edit_url(space),
        data(space, action="preview", new_photo=png(), new_photo_credit="X", new_photo_alt_fr="Y"),
    )
    assert response.status_code == 200
    assert "stockée quand vous envoyez" in response.content.decode()
    assert files_in_photos_folder() == []
    assert not Revision.objects.filter(status=RevisionStatus.PENDING).exists()


def test_someone_else_s_upload_is_a_404_and_stores_nothing(client, space_and_member):
    space, _member = space_and_member
    client.force_login(UserFactory(verified=True))
    response = client.post(edit_url(space), data(space, new_photo=png(), new_photo_credit="X", new_photo_alt_fr="Y"))
    assert response.status_code == 404
    assert files_in_photos_folder() == []
    assert Space.objects.get(pk=space.pk).photos.count() == 0


def test_a_proposal_waiting_from_before_photos_keeps_the_space_s_photos(client, space_and_member):
    """A pending revision written before photos were part of a revision has no
    "photos": editing from it must not propose to remove them all."""
    space, member = space_and_member
    photo = stored_photo(space, "Crédit", "La façade")
    revision = moderation.revision_submit(obj=space, data={"summary_fr": "Ancienne proposition."}, author=member)
    data_without_photos = {k: v for k, v in revision.data.items() if k != "photos"}
    Revision.objects.filter(pk=revision.pk).update(data=data_without_photos)
    page = client.get(edit_url(space)).content.decode()
    assert "Ancienne proposition." in page and 'name="photo_0_credit"' in page
    response = client.post(
        edit_url(space),
        data(space, summary_fr="Nouvelle proposition.", photo_0_credit="Crédit", photo_0_alt_fr="La façade"),
    )
    assert response.status_code == 302
    pending = Revision.objects.get(status=RevisionStatus.PENDING)
    assert [p["image"] for p in pending.data["photos"]] == [photo.image.name]
    moderation.revision_approve(revision=pending, by=UserFactory(moderator=True))
    assert list(SpacePhoto.objects.filter(space=space).values_list("pk", flat=True)) == [photo.pk]
