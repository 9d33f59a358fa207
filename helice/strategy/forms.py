from django import forms
from django.utils.translation import gettext_lazy as _

from .imports import ACCEPT, ImportFileError, read_file
from .models import ActionStatus, Horizon
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
