"""The sign-up form: allauth's (email, password twice) plus a public display name,
an optional participant category and a honeypot against bots."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext_lazy as _

from helice.accounts.models import ParticipantCategory

HONEYPOT_FIELD = "website"


class HoneypotFilled(SuspiciousOperation):
    """A bot filled the hidden field: Django answers 400 and nothing is saved."""


class SignupForm(AllauthSignupForm):
    display_name = forms.CharField(
        label=_("Public display name"),
        max_length=150,
        help_text=_("Shown beside your public contributions. You can use a pseudonym."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    participant_category = forms.ChoiceField(
        label=_("You take part as (optional)"),
        choices=[("", _("I prefer not to say")), *ParticipantCategory.choices],
        required=False,
        help_text=_("Used only for anonymous statistics of participation."),
    )
    # Humans never meet this field: the fields template puts it off screen inside
    # an aria-hidden element (screen readers skip it), tabindex -1 keeps it out of
    # the keyboard order and autocomplete off keeps browsers from filling it. Bots
    # that fill every input do fill it.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    honeypot_field = HONEYPOT_FIELD  # read by accounts/_form_fields.html
    field_order = ["email", "display_name", "participant_category", "password1", "password2", HONEYPOT_FIELD]

    def clean(self):
        if self.data.get(HONEYPOT_FIELD):
            raise HoneypotFilled("Sign-up honeypot filled.")
        return super().clean()

    def clean_display_name(self):
        value = self.cleaned_data["display_name"].strip()
        if not value:
            raise forms.ValidationError(_("Enter the name to show beside your contributions."))
        return value

    def custom_signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"]
        user.participant_category = self.cleaned_data.get("participant_category", "")
        user.save(update_fields=["display_name", "participant_category"])
