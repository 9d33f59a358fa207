"""Uploaded files nobody needs any more: an image sent with a proposal that was
refused, withdrawn or replaced, or stored by a request that then failed.

A file is kept while a row uses it (any ``FileField`` of any model), while a
pending or published revision holds its name (a published one may be restored,
so the files of the history stay), or while it is young (``days``: a refused
author may still be told, a proposal being sent has stored its file a moment
before its revision). Everything else under the folders the models upload to
is unused."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

from .models import Revision, RevisionStatus


def upload_folders() -> list[str]:
    """The folders the models' file fields upload to (``upload_to`` as a string)."""
    folders = set()
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, models.FileField) and isinstance(f.upload_to, str) and f.upload_to:
                folders.add(f.upload_to.rstrip("/") + "/")
    return sorted(folders)


def _files(folder: str) -> Iterator[str]:
    try:
        directories, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield folder + name
    for directory in directories:
        yield from _files(f"{folder}{directory}/")


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def files_in_use(since: datetime.datetime) -> set[str]:
    """Names used by a row, by a pending or published revision, or by any
    revision submitted since ``since``."""
    used: set[str] = set()
    for model in apps.get_models():
        names = [f.name for f in model._meta.get_fields() if isinstance(f, models.FileField) and not f.many_to_many]
        for name in names:
            used.update(v for v in model._default_manager.exclude(**{name: ""}).values_list(name, flat=True) if v)
    revisions = Revision.objects.filter(
        models.Q(status__in=[RevisionStatus.PENDING, RevisionStatus.PUBLISHED]) | models.Q(created_at__gte=since)
    ).values_list("data", "previous_data")
    for data, previous in revisions.iterator(chunk_size=500):
        used.update(_strings(data))
        used.update(_strings(previous))
    return used


def unused_files(*, days: int) -> list[str]:
    """Files under the upload folders that nothing uses and that are older than
    ``days`` days."""
    since = timezone.now() - datetime.timedelta(days=days)
    used = files_in_use(since)
    unused = []
    for folder in upload_folders():
        for name in _files(folder):
            if name in used:
                continue
            if default_storage.get_modified_time(name) >= since:
                continue
            unused.append(name)
    return sorted(unused)
