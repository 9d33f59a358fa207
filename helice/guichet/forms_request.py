"""The orientation request form: no SIRET required (a person shaping a project can
ask); a SIREN or SIRET, when given, is validated (python-stdnum) and pre-fills
size, age and sector from the directory."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from helice.core.models import Commune, Sector
from helice.directory.models import HeadcountBand
from helice.referrals.forms import RequesterForm
from helice.referrals.services import MESSAGE_MAX_LENGTH

from .models import Service

HONEYPOT_FIELD = "website"


def band_for(size: int | None) -> str:
    """The INSEE band of a headcount the finder was given."""
    if size is None:
        return ""
    for limit, band in ((0, "0"), (9, "1-9"), (49, "10-49"), (249, "50-249"), (999, "250-999"), (4999, "1000-4999")):
        if size <= limit:
            return band
    return HeadcountBand.VERY_LARGE


class OrientationRequestForm(RequesterForm):
    services = forms.ModelMultipleChoiceField(
        label=_("Send my request to"),
        queryset=Service.objects.none(),
        required=False,
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )
    route = forms.BooleanField(
        label=_("Let the metropolis’s team send my request to the right organisation"),
        required=False,
        help_text=_("Choose this if you do not know whom to ask, or in addition to the services ticked."),
    )
    message = forms.CharField(
        label=_("Your need"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_(
            "Your project, where it stands, what you are looking for. Do not write sensitive data (health, bank details)."
        ),
    )
    siret = forms.CharField(
        label=_("SIREN or SIRET (optional)"),
        required=False,
        max_length=20,
        help_text=_(
            "Not needed if your company is not created yet. Given, it fills in the fields below from the directory."
        ),
    )
    headcount_band = forms.ChoiceField(
        label=_("Headcount"), required=False, choices=[("", _("Not given")), *HeadcountBand.choices]
    )
    founding_year = forms.IntegerField(
        label=_("Year the company was created"),
        required=False,
        min_value=1800,
        max_value=2100,
        help_text=_("Leave empty if it is not created yet."),
    )
    stage = forms.ChoiceField(label=_("Your company’s stage"), required=False)
    needs = forms.MultipleChoiceField(label=_("Your needs"), required=False, widget=forms.CheckboxSelectMultiple)
    sector = forms.ModelChoiceField(
        label=_("Your sector"),
        required=False,
        queryset=Sector.objects.none(),
        to_field_name="slug",
        empty_label=_("Not given"),
    )
    commune = forms.ModelChoiceField(
        label=_("Your commune"),
        required=False,
        queryset=Commune.objects.none(),
        to_field_name="insee_code",
        empty_label=_("Not given"),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that my request and contact details are sent to the organisations chosen, and kept as the privacy page says."
        ),
    )

    def __init__(self, *args, offered=(), **kwargs):
        from .matching import form_choices

        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.published().filter(slug__in=[s.slug for s in offered])
        choices = form_choices()
        self.fields["stage"].choices = [("", _("Not given"))] + [
            (s.code, s.name) for s in choices.stages if s.is_active
        ]
        self.fields["needs"].choices = [
            (parent.name, [(c.code, c.name) for c in children]) for parent, children in choices.needs if children
        ]
        self.fields["sector"].queryset = Sector.objects.filter(is_active=True)
        self.fields["commune"].queryset = Commune.objects.filter(is_active=True).order_by("name")

    def clean_siret(self) -> str:
        value = "".join(ch for ch in self.cleaned_data.get("siret", "") if not ch.isspace())
        if not value:
            return ""
        try:
            if len(value) == 9:
                return stdnum_siren.validate(value)
            return stdnum_siret.validate(value)
        except stdnum_exceptions.ValidationError:
            raise forms.ValidationError(
                _("“%(value)s” is not a valid SIREN (9 digits) or SIRET (14 digits)."), params={"value": value}
            ) from None

    def clean_founding_year(self):
        year = self.cleaned_data.get("founding_year")
        if year and year > datetime.date.today().year:
            raise forms.ValidationError(_("The year cannot be in the future."))
        return year

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("services") and not data.get("route"):
            raise forms.ValidationError(
                _("Choose at least one service, or let the metropolis’s team route your request.")
            )
        return data

    def request_data(self) -> dict:
        data = self.cleaned_data
        siret = data.get("siret", "")
        return {
            **self.requester_data(),
            "siren": siret[:9],
            "siret": siret if len(siret) == 14 else "",
            "headcount_band": data.get("headcount_band", ""),
            "founding_year": data.get("founding_year"),
            "sector": data.get("sector"),
            "commune": data.get("commune"),
            "stage": data.get("stage", ""),
            "needs": list(data.get("needs") or []),
            "message": data["message"],
        }
