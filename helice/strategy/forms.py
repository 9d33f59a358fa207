from django import forms
from django.utils.translation import gettext_lazy as _

from .imports import ACCEPT, ImportFileError, read_file
from .models import Action, ActionStatus, Horizon, Indicator
from .status import STATUSES


class ActionFilterForm(forms.Form):
    axis = forms.CharField(required=False, max_length=10)
    horizon = forms.ChoiceField(required=False, choices=[("", _("Any horizon")), *Horizon.choices])
    status = forms.ChoiceField(required=False, choices=[("", _("Any status")), *ActionStatus.choices])
    lead = forms.SlugField(required=False, max_length=220)


class DashboardFilterForm(forms.Form):
    axis = forms.CharField(required=False, max_length=10)
    status = forms.ChoiceField(required=False, choices=[("", "")] + [(s, s) for s in STATUSES])


class PeriodForm(forms.Form):
    period = forms.DateField(
        label=_("Period"),
        help_text=_("Any day of the period: the first day of its month, quarter or year is used."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class MeasurementImportForm(forms.Form):
    """The file of measurements to import (read and checked by ``imports.read_file``)."""

    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_(
            "Columns: indicator (its code), period (YYYY-MM-DD, YYYY-MM or YYYY), value; comment and source "
            "are optional."
        ),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            self.records = read_file(uploaded)
        except ImportFileError as error:
            raise forms.ValidationError(error.message, code="file") from None
        return uploaded


class ActionEditForm(forms.ModelForm):
    """What a strategy manager updates on an action as it progresses."""

    class Meta:
        model = Action
        fields = [
            "title_fr",
            "title_en",
            "description_fr",
            "description_en",
            "horizon",
            "status",
            "progress",
            "starts_on",
            "ends_on",
            "budget",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description_fr": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and starts > ends:
            self.add_error("ends_on", _("The end must not be before the start."))
        return data


class IndicatorEditForm(forms.ModelForm):
    """An indicator's definition, baseline, target and thresholds."""

    class Meta:
        model = Indicator
        fields = [
            "name_fr",
            "name_en",
            "definition_fr",
            "definition_en",
            "unit",
            "direction",
            "frequency",
            "baseline_value",
            "baseline_date",
            "baseline_source",
            "target_value",
            "target_date",
            "range_min",
            "range_max",
            "at_risk_gap",
            "off_track_gap",
            "source",
            "weight",
        ]
        widgets = {
            "baseline_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "definition_fr": forms.Textarea(attrs={"rows": 3}),
            "definition_en": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        data = super().clean()
        for name in ("at_risk_gap", "off_track_gap"):
            value = data.get(name)
            if value is not None and not 0 <= value <= 1:
                self.add_error(name, _("A gap is a share of the way, between 0 and 1."))
        at_risk, off_track = data.get("at_risk_gap"), data.get("off_track_gap")
        if at_risk is not None and off_track is not None and at_risk > off_track:
            self.add_error(
                "off_track_gap", _("The gap before “off track” must not be smaller than the one before “at risk”.")
            )
        baseline, target = data.get("baseline_date"), data.get("target_date")
        if baseline and target and baseline >= target:
            self.add_error("target_date", _("The target's date must come after the baseline's."))
        return data
