"""Forms of the partner space: join requests, invitations, members' roles."""

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from helice.accounts.models import MembershipRole

TEXT_MAX = 2000


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the organisation's administrators"),
        help_text=_("Optional. Say who you are and what you will do for the organisation (2,000 characters at most)."),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address of the person to invite"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.EDITOR)


class PerPersonForm(forms.Form):
    """A form repeated on each row of a list of people: ``person`` (their name) is
    added, visually hidden, to each label, so that every row's control has its own
    accessible name ("Role, Jade Martin") while the page shows "Role"."""

    def __init__(self, *args, person: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if person:
            for field in self.fields.values():
                field.label = format_html('{}<span class="visually-hidden">, {}</span>', field.label, person)


class RoleForm(PerPersonForm):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)


class AcceptJoinRequestForm(PerPersonForm):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.EDITOR)


class RefuseJoinRequestForm(PerPersonForm):
    reason = forms.CharField(
        label=_("Reason for the refusal"),
        help_text=_("The person will read it in their space and in an email."),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InvitationAnswerForm(forms.Form):
    decision = forms.ChoiceField(label=_("Your answer"), choices=[("accept", _("Accept")), ("decline", _("Decline"))])
