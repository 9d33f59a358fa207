from django import forms
from django.utils.translation import gettext_lazy as _

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
