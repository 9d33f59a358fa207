"""delete_unused_uploads: the files of refused or replaced proposals go once old
enough; files used by a row, by a pending or published revision (history can
be restored) or by a recent proposal stay."""

import datetime
import io
import os

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image

from helice.directory.tests.factories import OrganizationFactory
from helice.moderation.models import Revision, RevisionKind, RevisionStatus
from helice.moderation.uploads import upload_folders
from helice.spaces.models import SpacePhoto
from helice.spaces.tests.factories import SpaceFactory

pytestmark = pytest.mark.django_db
OLD = timezone.now() - datetime.timedelta(days=40)


def image(name: str, *, days_old: int = 40) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, "PNG")
    stored = default_storage.save(name, ContentFile(buffer.getvalue()))
    moment = (timezone.now() - datetime.timedelta(days=days_old)).timestamp()
    os.utime(default_storage.path(stored), (moment, moment))
    return stored


def revision(space, status, photos, *, previous=(), created=OLD) -> Revision:
    row = Revision.objects.create(
        content_type=ContentType.objects.get_for_model(space),
        object_id=space.pk,
        object_repr=str(space),
        kind=RevisionKind.PARTNER,
        status=status,
        data={"name": space.name, "photos": [{"image": p, "credit": "c", "alt_fr": "a", "alt_en": ""} for p in photos]},
        previous_data={"photos": [{"image": p, "credit": "c", "alt_fr": "a", "alt_en": ""} for p in previous]},
    )
    Revision.objects.filter(pk=row.pk).update(created_at=created)
    return row


def test_upload_folders_are_the_models_own():
    assert {"agenda/events/", "spaces/photos/", "organizations/logos/"} <= set(upload_folders())


def test_only_old_files_that_nothing_uses_are_deleted(capsys):
    space = SpaceFactory(name="Pépinière")
    in_use = image("spaces/photos/en-ligne.png")
    SpacePhoto.objects.create(space=space, image=in_use, credit="c", alt_fr="a")
    refused_old = image("spaces/photos/refusee.png")
    revision(space, RevisionStatus.REJECTED, [refused_old])
    refused_recent = image("spaces/photos/refusee-recente.png", days_old=3)
    revision(space, RevisionStatus.REJECTED, [refused_recent], created=timezone.now() - datetime.timedelta(days=3))
    replaced = image("spaces/photos/remplacee.png")
    revision(space, RevisionStatus.SUPERSEDED, [replaced])
    waiting = image("spaces/photos/en-attente.png")
    revision(space, RevisionStatus.PENDING, [waiting])
    history = image("spaces/photos/ancienne-version.png")  # removed by a published change: restorable
    revision(space, RevisionStatus.PUBLISHED, [in_use], previous=[history])
    stray_old = image("agenda/events/orpheline.png")
    stray_new = image("agenda/events/envoi-en-cours.png", days_old=0)
    logo = image("organizations/logos/logo.png")
    OrganizationFactory(logo=logo)

    call_command("delete_unused_uploads", "--dry-run")
    listed = capsys.readouterr().out
    assert "3 unused file(s) would be deleted." in listed
    assert all(default_storage.exists(name) for name in (refused_old, replaced, stray_old))

    call_command("delete_unused_uploads")
    assert "3 unused file(s) deleted." in capsys.readouterr().out
    for gone in (refused_old, replaced, stray_old):
        assert not default_storage.exists(gone), gone
    for kept in (in_use, refused_recent, waiting, history, stray_new, logo):
        assert default_storage.exists(kept), kept


def test_days_must_leave_time_for_a_proposal_being_sent():
    with pytest.raises(CommandError):
        call_command("delete_unused_uploads", "--days", "0")
