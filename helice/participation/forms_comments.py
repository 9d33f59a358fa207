"""Forms of comments, flags, moderation and notification settings. Each form
checks its input and the services check the rules; a honeypot keeps bots out of
the comment and flag forms (filled: a 400, nothing saved)."""

from django import forms
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext_lazy as _

from .models import FlagReason, NotificationFrequency, Stance
from .services_comments import BODY_MAX_LENGTH, REASON_MAX_LENGTH

HONEYPOT = "website"


class HoneypotFilled(SuspiciousOperation):
    """A bot filled the hidden field: Django answers 400 and nothing is saved."""


class HoneypotForm(forms.Form):
    # Humans never meet this field (off screen, aria-hidden, out of the keyboard order).
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self):
        if self.data.get(HONEYPOT):
            raise HoneypotFilled("Participation honeypot filled.")
        return super().clean()


STANCE_CHOICES = [
    (Stance.NONE, _("No stance")),
    (Stance.FOR, _("For the proposal")),
    (Stance.AGAINST, _("Against the proposal")),
    (Stance.NEUTRAL, _("Neutral")),
]


class CommentForm(HoneypotForm):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=BODY_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Plain text. Public, with your name. You can edit it for a few minutes after posting."),
    )
    stance = forms.ChoiceField(
        label=_("Your position on the proposal"),
        choices=STANCE_CHOICES,
        initial=Stance.NONE,
        required=False,
        widget=forms.RadioSelect,
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    follow = forms.BooleanField(label=_("Follow this proposal (e-mails as set in my notifications)"), required=False)
    official = forms.BooleanField(label=_("Official answer of the metropolis"), required=False)

    def __init__(self, *args, official_allowed: bool = False, prefix_id: str = "new", **kwargs):
        super().__init__(*args, **kwargs)
        if not official_allowed:
            del self.fields["official"]
        # Several forms on one page: unique ids per form.
        self.auto_id = f"id_{prefix_id}_%s"

    def clean_stance(self):
        return self.cleaned_data.get("stance") or Stance.NONE


class CommentEditForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"), max_length=BODY_MAX_LENGTH, strip=True, widget=forms.Textarea(attrs={"rows": 4})
    )
    stance = forms.ChoiceField(
        label=_("Your position on the proposal"), choices=STANCE_CHOICES, required=False, widget=forms.RadioSelect
    )

    def __init__(self, *args, prefix_id: str = "edit", **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = f"id_{prefix_id}_%s"

    def clean_stance(self):
        return self.cleaned_data.get("stance") or Stance.NONE


class FlagForm(HoneypotForm):
    reason = forms.ChoiceField(label=_("Why?"), choices=FlagReason.choices)
    details = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, prefix_id: str = "flag", **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = f"id_{prefix_id}_%s"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown publicly)"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, prefix_id: str = "reason", required: bool = True, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = f"id_{prefix_id}_%s"
        self.fields["reason"].required = required
        if label is not None:
            self.fields["reason"].label = label


class BlockForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (told to the person)"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    days = forms.IntegerField(
        label=_("For how many days (empty: until lifted)"), required=False, min_value=1, max_value=3650
    )

    def __init__(self, *args, prefix_id: str = "block", **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = f"id_{prefix_id}_%s"


class NotificationSettingsForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("E-mails about what I follow"), choices=NotificationFrequency.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mails"), choices=settings.LANGUAGES, widget=forms.RadioSelect
    )
