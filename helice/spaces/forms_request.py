"""The settlement request form: a company (or a project not yet created: no SIRET
asked) describes the premises it needs and sends it to one or several spaces, or
lets the metropolis's team route it. Sent through the request engine
(helice.referrals, kind "settlement"); what the form adds to the common fields is
kept in the request's ``details`` and read back by ``settlement.describe``."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helice.core.models import Commune, Sector
from helice.referrals.forms import RequesterForm
from helice.referrals.services import MESSAGE_MAX_LENGTH

from .models import PathPhase, Space, SpaceKind

HONEYPOT_FIELD = "website"
MAX_SPACES = 10  # spaces one request may go to
MAX_SURFACE_M2 = 100_000
MAX_BUDGET_EUR = 10_000_000
MAX_PEOPLE = 10_000


class SettlementRequestForm(RequesterForm):
    spaces = forms.ModelMultipleChoiceField(
        label=_("Send my request to"),
        queryset=Space.objects.none(),
        required=False,
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )
    route = forms.BooleanField(
        label=_("Let the metropolis’s team send my request to the spaces that fit"),
        required=False,
        help_text=_("Choose this if you do not know which space to ask, or in addition to the spaces ticked."),
    )
    surface_min_m2 = forms.IntegerField(
        label=_("Surface from (m², optional)"), required=False, min_value=1, max_value=MAX_SURFACE_M2
    )
    surface_max_m2 = forms.IntegerField(
        label=_("Surface up to (m², optional)"), required=False, min_value=1, max_value=MAX_SURFACE_M2
    )
    people = forms.IntegerField(label=_("People to host (optional)"), required=False, min_value=1, max_value=MAX_PEOPLE)
    wished_date = forms.DateField(
        label=_("Moving-in date wished (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    budget_eur_month = forms.IntegerField(
        label=_("Monthly budget, in euros excluding tax (optional)"),
        required=False,
        min_value=0,
        max_value=MAX_BUDGET_EUR,
    )
    space_kind = forms.ChoiceField(
        label=_("Kind of space wished"), required=False, choices=[("", _("Any")), *SpaceKind.choices]
    )
    stage = forms.ChoiceField(
        label=_("Your company’s phase"), required=False, choices=[("", _("Not given")), *PathPhase.choices]
    )
    sector = forms.ModelChoiceField(
        label=_("Your sector"),
        required=False,
        queryset=Sector.objects.none(),
        to_field_name="slug",
        empty_label=_("Not given"),
    )
    commune = forms.ModelChoiceField(
        label=_("Commune wished"),
        required=False,
        queryset=Commune.objects.none(),
        to_field_name="insee_code",
        empty_label=_("Anywhere in the metropolis"),
    )
    message = forms.CharField(
        label=_("Your project and your need"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_(
            "Your activity, why you are looking for premises, what they must offer (a lab, a workshop, "
            "meeting rooms…). Do not write sensitive data (health, bank details)."
        ),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that my request and contact details are sent to the spaces chosen, and kept as the privacy page says."
        ),
    )

    def __init__(self, *args, offered=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spaces"].queryset = Space.objects.published().filter(slug__in=[s.slug for s in offered])
        self.fields["sector"].queryset = Sector.objects.filter(is_active=True)
        self.fields["commune"].queryset = Commune.objects.filter(is_active=True).order_by("name")

    def clean_wished_date(self):
        day = self.cleaned_data.get("wished_date")
        if day and day < timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the past."))
        return day

    def clean(self):
        data = super().clean()
        low, high = data.get("surface_min_m2"), data.get("surface_max_m2")
        if low and high and low > high:
            self.add_error("surface_max_m2", _("The largest surface cannot be smaller than the smallest."))
        if not self.errors and not data.get("spaces") and not data.get("route"):
            raise forms.ValidationError(
                _("Choose at least one space, or let the metropolis’s team route your request.")
            )
        return data

    def request_data(self) -> dict:
        """The request engine's common fields, and this kind's details (JSON)."""
        data = self.cleaned_data
        wished = data.get("wished_date")
        details = {
            "surface_min_m2": data.get("surface_min_m2"),
            "surface_max_m2": data.get("surface_max_m2"),
            "people": data.get("people"),
            "wished_date": wished.isoformat() if wished else None,
            "budget_eur_month": data.get("budget_eur_month"),
            "space_kind": data.get("space_kind", ""),
        }
        return {
            **self.requester_data(),
            "sector": data.get("sector"),
            "commune": data.get("commune"),
            "stage": data.get("stage", ""),
            "details": {key: value for key, value in details.items() if value not in (None, "")},
            "message": data["message"],
        }
