"""A space as its operators' members edit it from the partner space. Nothing is
saved here: the result becomes a revision (helice.moderation), published at once
for a trusted operator or a moderator, held for review otherwise. Availability
has its own form (forms.AvailabilityForm): a fact the operator states, published
at once."""

from __future__ import annotations

from django import forms
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helice.core.models import Commune, Sector
from helice.core.sanitize import clean_rich_input
from helice.core.uploads import SafeImageField

from .models import PARTNER_EDITABLE_FIELDS, Space
from .revisions import PHOTOS, photo_state

MAX_PHOTOS = 8

RICH_FIELDS = ("description_fr", "description_en")


class SpaceEditForm(forms.ModelForm):
    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
        help_text=_("Tick none when the space is open to every sector."),
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=None, required=False, to_field_name="insee_code", empty_label=_("Not given")
    )
    website = forms.URLField(label=_("Website"), required=False, max_length=300, assume_scheme="https")
    new_photo = SafeImageField(
        label=_("New photo"), required=False, help_text=_("JPEG, PNG or WebP. It is re-encoded without its metadata.")
    )
    new_photo_credit = forms.CharField(
        label=_("Credit of the new photo"),
        required=False,
        max_length=200,
        help_text=_("Who took the photo or holds its rights."),
    )
    new_photo_alt_fr = forms.CharField(
        label=_("Text alternative of the new photo (French)"),
        required=False,
        max_length=300,
        help_text=_("What the photo shows, for people who cannot see it."),
    )
    new_photo_alt_en = forms.CharField(
        label=_("Text alternative of the new photo (English)"), required=False, max_length=300
    )
    comment = forms.CharField(
        label=_("Note for the moderators (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Space
        fields = PARTNER_EDITABLE_FIELDS
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
            "services_fr": forms.Textarea(attrs={"rows": 4}),
            "services_en": forms.Textarea(attrs={"rows": 4}),
            "equipment_fr": forms.Textarea(attrs={"rows": 4}),
            "equipment_en": forms.Textarea(attrs={"rows": 4}),
            "access_conditions_fr": forms.Textarea(attrs={"rows": 3}),
            "access_conditions_en": forms.Textarea(attrs={"rows": 3}),
            "accessibility_fr": forms.Textarea(attrs={"rows": 3}),
            "accessibility_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, space: Space, base: dict, **kwargs):
        """``base``: the state the member starts from (a waiting proposal, or the
        published state, in the revision's terms)."""
        self.space, self.base = space, base
        super().__init__(*args, instance=Space.objects.get(pk=space.pk), **kwargs)
        # Retired sectors and communes stay selectable for a space that already has them.
        self.fields["sectors"].queryset = Sector.objects.filter(Q(is_active=True) | Q(spaces=space)).distinct()
        self.fields["commune"].queryset = (
            Commune.objects.filter(Q(is_active=True) | Q(spaces=space)).distinct().order_by("name")
        )
        for name in ("total_surface_m2", "unit_count", "unit_size_min_m2", "unit_size_max_m2", "max_stay_months"):
            self.fields[name].widget.attrs["min"] = 0
        # One group of fields per photo of the state the member starts from.
        self.photos = list(base.get(PHOTOS) or [])
        for index, photo in enumerate(self.photos):
            prefix = f"photo_{index}_"
            self.fields[prefix + "credit"] = forms.CharField(
                label=_("Credit"), max_length=200, initial=photo.get("credit", "")
            )
            self.fields[prefix + "alt_fr"] = forms.CharField(
                label=_("Text alternative (French)"), max_length=300, initial=photo.get("alt_fr", "")
            )
            self.fields[prefix + "alt_en"] = forms.CharField(
                label=_("Text alternative (English)"), max_length=300, required=False, initial=photo.get("alt_en", "")
            )
            self.fields[prefix + "remove"] = forms.BooleanField(label=_("Remove this photo"), required=False)

    def photo_groups(self) -> list[dict]:
        """Each current photo with its bound fields, for the template."""
        return [
            {
                "url": default_storage.url(photo.get("image", "")),
                "number": index + 1,
                **{key: self[f"photo_{index}_{key}"] for key in ("credit", "alt_fr", "alt_en", "remove")},
            }
            for index, photo in enumerate(self.photos)
        ]

    def clean_description_fr(self):
        return clean_rich_input(self.cleaned_data.get("description_fr", ""))

    def clean_description_en(self):
        return clean_rich_input(self.cleaned_data.get("description_en", ""))

    def clean(self):
        data = super().clean()
        if data.get("new_photo"):
            for name in ("new_photo_credit", "new_photo_alt_fr"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("Give it for the new photo."))
            kept = sum(1 for i in range(len(self.photos)) if not data.get(f"photo_{i}_remove"))
            if kept >= MAX_PHOTOS:
                self.add_error(
                    "new_photo", _("A space has at most %(count)d photos: remove one first.") % {"count": MAX_PHOTOS}
                )
        units, available = data.get("unit_count"), self.space.units_available
        if units is not None and available is not None and units < available:
            self.add_error(
                "unit_count",
                _(
                    "%(available)d units are confirmed available: confirm the availability again before "
                    "lowering the number of units."
                )
                % {"available": available},
            )
        return data

    def proposed_data(self, *, stored_photo: str | None = None) -> dict:
        """The revision's data: the editable fields in the adapter's JSON form;
        ``stored_photo``: the storage name of the new photo, once saved."""
        data = dict(self.base)
        photos = []
        for index, photo in enumerate(self.photos):
            prefix = f"photo_{index}_"
            if self.cleaned_data.get(prefix + "remove"):
                continue
            photos.append(
                photo_state(
                    image=photo["image"],
                    credit=self.cleaned_data[prefix + "credit"].strip(),
                    alt_fr=self.cleaned_data[prefix + "alt_fr"].strip(),
                    alt_en=self.cleaned_data.get(prefix + "alt_en", "").strip(),
                )
            )
        if stored_photo:
            photos.append(
                photo_state(
                    image=stored_photo,
                    credit=self.cleaned_data["new_photo_credit"].strip(),
                    alt_fr=self.cleaned_data["new_photo_alt_fr"].strip(),
                    alt_en=self.cleaned_data.get("new_photo_alt_en", "").strip(),
                )
            )
        data[PHOTOS] = photos
        for name in self.Meta.fields:
            value = self.cleaned_data.get(name)
            field = Space._meta.get_field(name)
            if name == "sectors":
                data[name] = sorted(s.slug for s in value or [])
            elif name == "commune":
                data[name] = value.insee_code if value else None
            elif isinstance(field, models.CharField | models.TextField):
                data[name] = value or ""  # text: empty, never None
            else:
                data[name] = value  # numbers and yes/no/unknown keep None
        return data

    @classmethod
    def initial_from(cls, data: dict) -> dict:
        return {k: v for k, v in data.items() if k in cls.Meta.fields}
