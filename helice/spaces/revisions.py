"""Spaces under moderation (helice.moderation), with their photos.

A space's photos are rows of their own (``SpacePhoto``), not fields, so the
plain adapter cannot hold them. ``SpaceAdapter`` adds one entry to a revision,
``photos``: the list of the space's photos in their order, each as its stored
file's name, credit and text alternatives. An operator's new photo, a change of
credit or a removal is therefore reviewed (the moderator sees the pictures
themselves in the diff), applied on approval and restorable like any field."""

from __future__ import annotations

import functools

from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from helice.moderation.registry import EMPTY, Adapter

PHOTOS = "photos"
PHOTO_KEYS = ("image", "credit", "alt_fr", "alt_en")


def photo_state(*, image: str, credit: str, alt_fr: str, alt_en: str = "") -> dict:
    return {"image": image, "credit": credit, "alt_fr": alt_fr, "alt_en": alt_en or ""}


def photos_state(photos) -> list[dict]:
    return [
        photo_state(image=p.image.name, credit=p.credit, alt_fr=p.alt_fr, alt_en=p.alt_en)
        for p in sorted(photos, key=lambda p: (p.position, p.pk or 0))
    ]


def _valid(states) -> list[dict]:
    """The photos of a revision, each with its four keys (anything else ignored)."""
    return [
        {key: str(state.get(key) or "") for key in PHOTO_KEYS}
        for state in states or []
        if isinstance(state, dict) and state.get("image")
    ]


class SpaceAdapter(Adapter):
    """The moderation adapter of ``Space``: its fields plus ``photos``."""

    @functools.cached_property
    def _plain(self) -> Adapter:
        return self.without(PHOTOS, after_apply=False)  # called once, after the photos

    def serialize(self, obj) -> dict:
        data = self._plain.serialize(obj)
        if PHOTOS in self.fields:
            data[PHOTOS] = photos_state(obj.photos.all()) if obj.pk else []
        return data

    def apply(self, obj, data: dict) -> None:
        self._plain.apply(obj, data)
        if PHOTOS in data:
            self._apply_photos(obj, _valid(data[PHOTOS]))
        if self.after_apply:
            self.after_apply(obj)

    def _apply_photos(self, obj, wanted: list[dict]) -> None:
        """Keep the photos whose file is still wanted (their credit, texts and
        place updated), delete the others, add the new ones. The files stay in
        the storage: an older revision can be restored."""
        from .models import SpacePhoto

        existing = {photo.image.name: photo for photo in SpacePhoto.objects.filter(space=obj)}
        for position, state in enumerate(wanted):
            photo = existing.pop(state["image"], None) or SpacePhoto(space=obj, image=state["image"])
            photo.credit, photo.alt_fr, photo.alt_en = state["credit"], state["alt_fr"], state["alt_en"]
            photo.position = position
            photo.save()
        for photo in existing.values():
            photo.delete()

    def preview(self, obj, data: dict):
        from .models import SpacePhoto

        copy, related = self._plain.preview(obj, data)
        if PHOTOS in self.fields:
            states = _valid(data[PHOTOS]) if PHOTOS in data else (self.serialize(obj)[PHOTOS] if obj.pk else [])
            related[PHOTOS] = [
                SpacePhoto(
                    space=copy,
                    image=s["image"],
                    credit=s["credit"],
                    alt_fr=s["alt_fr"],
                    alt_en=s["alt_en"],
                    position=i,
                )
                for i, s in enumerate(states)
            ]
        return copy, related

    def label(self, name: str) -> str:
        if name == PHOTOS:
            return _("Photos")
        return super().label(name)

    def display(self, name: str, value) -> str:
        """The photos as the moderator must judge them: each picture (small),
        its credit and its text alternative."""
        if name != PHOTOS:
            return super().display(name, value)
        photos = _valid(value)
        if not photos:
            return EMPTY
        return format_html(
            '<ul class="moderation-photos">{}</ul>',
            format_html_join(
                "",
                '<li><img src="{}" alt="{}" width="160" loading="lazy"> {}</li>',
                (
                    (
                        default_storage.url(p["image"]),
                        p["alt_fr"],
                        _("Credit: %(credit)s; text alternative: %(alt)s")
                        % {"credit": p["credit"], "alt": p["alt_fr"]},
                    )
                    for p in photos
                ),
            ),
        )
