"""Forms of the profile pages: public profile and account deletion."""

from django import forms
from django.utils.translation import gettext_lazy as _

from helice.accounts.models import ParticipantCategory, User


class ProfileForm(forms.ModelForm):
    participant_category = forms.ChoiceField(
        label=_("You take part as (optional)"),
        choices=[("", _("I prefer not to say")), *ParticipantCategory.choices],
        required=False,
        help_text=_("Used only for anonymous statistics of participation."),
    )

    class Meta:
        model = User
        fields = ["display_name", "participant_category"]
        labels = {"display_name": _("Public display name")}
        help_texts = {"display_name": _("Shown beside your public contributions. You can use a pseudonym.")}
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "nickname"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True

    def clean_display_name(self):
        value = self.cleaned_data["display_name"].strip()
        if not value:
            raise forms.ValidationError(_("Enter the name to show beside your contributions."))
        return value


class AccountDeleteForm(forms.Form):
    """Confirm with the current password; people who signed in through single
    sign-on and have no password type their email address instead."""

    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    email = forms.CharField(
        label=_("Type your email address to confirm"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            del self.fields["email"]
        else:
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This password is not correct."))
        return password

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if not self.user.email or email.lower() != self.user.email.lower():
            raise forms.ValidationError(_("This is not the email address of your account."))
        return email
