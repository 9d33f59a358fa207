"""Forms of the handlers' case page and of the requester's private page."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from helice.directory.models import Organization, PublicationStatus

from .models import Outcome
from .services import MESSAGE_MAX_LENGTH

HANDLER_ACTIONS = ("take", "answer", "close", "redirect", "note")
REQUESTER_ACTIONS = ("confirm", "message", "rate", "outcome")


def _message_field(label, required=False):
    return forms.CharField(
        label=label,
        required=required,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": _("The message is limited to %(limit_value)d characters.")},
    )


class CaseActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in HANDLER_ACTIONS])
    message = _message_field(_("Message"))
    organization = forms.SlugField(label=_("Organisation to send it to"), required=False, max_length=220)

    def clean(self):
        data = super().clean()
        if data.get("action") == "redirect":
            slug = data.get("organization")
            organization = (
                Organization.objects.filter(slug=slug, status=PublicationStatus.PUBLISHED).first() if slug else None
            )
            if organization is None:
                self.add_error("organization", _("Choose an organisation of the directory."))
            data["organization_obj"] = organization
        return data


class RequesterActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in REQUESTER_ACTIONS])
    case = forms.IntegerField(required=False, min_value=1)
    message = _message_field(_("Your message"))
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with the answer?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(
        label=_("What came of your request?"), choices=Outcome.choices, required=False, widget=forms.RadioSelect
    )
    comment = _message_field(_("Comment (optional)"))


class LinkResendForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address used for the request"), max_length=254)
    website = forms.CharField(required=False, label=_("Leave this field empty"))  # honeypot


class StatisticsFilterForm(forms.Form):
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(required=False, choices=[("", "")])

    def __init__(self, *args, **kwargs):
        from .models import RequestKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All requests")), *RequestKind.choices]


class RequesterForm(forms.Form):
    """What every request form asks of the person sending it (who they are, how to
    reach them) and its guards: a submission key (a double click is one request)
    and a honeypot. The form of each kind (orientation, settlement) adds its own
    fields and passes ``requester_data()`` with them to ``services.request_create``."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(
        label=_("Your e-mail address"), max_length=254, help_text=_("To follow your request and receive the answers.")
    )
    phone = forms.RegexField(
        label=_("Phone (optional)"),
        required=False,
        max_length=30,
        regex=r"^[0-9+().\s-]{6,30}$",
        error_messages={"invalid": _("Enter a phone number (digits, spaces, + . - ( ) only).")},
    )
    company_name = forms.CharField(label=_("Company or project name (optional)"), required=False, max_length=200)
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())

    def requester_data(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "email": data["email"],
            "phone": data.get("phone", ""),
            "company_name": data.get("company_name", ""),
        }
