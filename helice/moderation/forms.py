from django import forms
from django.utils.translation import gettext_lazy as _


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the refusal"),
        help_text=_("The partner reads it in their space and by e-mail."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class CompareForm(forms.Form):
    """Two revisions of the same object to compare (ids from the history list)."""

    before = forms.IntegerField(label=_("Older version"), min_value=1)
    after = forms.IntegerField(label=_("Newer version"), min_value=1)
