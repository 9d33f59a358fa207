"""Forms of participation: the proposals list's filters (all in the address), the
opinion, a participant's idea, and the staff's state change and answer."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from helice.core.search import MAX_QUERY_LENGTH
from helice.strategy.models import Action

from .models import PUBLIC_STATES, RANDOM_KEY_MAX, Origin, ProposalState
from .selectors import SORTS, ProposalFilters
from .services import BODY_MAX, BODY_MIN, REASON_MAX, TITLE_MAX, TITLE_MIN

SORT_LABELS = {
    "random": _("Random order"),
    "supported": _("Most supported"),
    "debated": _("Most debated"),
    "newest": _("Newest"),
}


def new_seed() -> int:
    return secrets.randbelow(RANDOM_KEY_MAX - 2) + 1


class ErrorTextMixin:
    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)


class ProposalFilterForm(ErrorTextMixin, forms.Form):
    q = forms.CharField(
        label=_("Search the proposals"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={"max_length": _("The search text is limited to %(limit_value)d characters.")},
    )
    objective = forms.ChoiceField(label=_("Objective"), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Every state"))] + [(s, label) for s, label in ProposalState.choices if s in PUBLIC_STATES],
        error_messages={"invalid_choice": _("“%(value)s” is not a state of proposals.")},
    )
    origin = forms.ChoiceField(
        label=_("Origin"),
        required=False,
        choices=[("", _("Every origin")), *Origin.choices],
        error_messages={"invalid_choice": _("“%(value)s” is not an origin of proposals.")},
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[(s, SORT_LABELS[s]) for s in SORTS],
        error_messages={"invalid_choice": _("“%(value)s” is not a way to order proposals.")},
    )
    seed = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=RANDOM_KEY_MAX - 1,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("The random order's seed must be a whole number."),
            "min_value": _("The random order's seed must be a whole number from 1."),
            "max_value": _("The random order's seed is too large."),
        },
    )

    def __init__(self, data=None, *, objectives=(), **kwargs):
        if data is not None:
            data = {key: str(data.get(key, "")).replace("\x00", "") for key in self.base_fields}
        super().__init__(data, **kwargs)
        self.fields["objective"].choices = [("", _("Every objective"))] + [
            (o.code, f"{o.code}. {o.title}") for o in objectives
        ]
        self.fields["objective"].error_messages["invalid_choice"] = _(
            "“%(value)s” is not an objective of this consultation."
        )

    def to_filters(self) -> ProposalFilters:
        data = self.cleaned_data
        sort = data.get("sort") or "random"
        return ProposalFilters(
            q=(data.get("q") or "").strip(),
            objective=data.get("objective") or "",
            state=data.get("state") or "",
            origin=data.get("origin") or "",
            sort=sort,
            seed=data.get("seed") or new_seed(),
        )


class OpinionForm(ErrorTextMixin, forms.Form):
    value = forms.ChoiceField(
        label=_("Your opinion"),
        required=False,
        choices=[("agree", _("Agree")), ("mixed", _("Mixed")), ("disagree", _("Disagree"))],
        error_messages={"invalid_choice": _("Choose agree, mixed or disagree.")},
    )
    withdraw = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("withdraw") and not data.get("value"):
            raise forms.ValidationError(_("Choose agree, mixed or disagree."))
        return data


class IdeaForm(ErrorTextMixin, forms.Form):
    title = forms.CharField(
        label=_("Title of your idea"),
        min_length=TITLE_MIN,
        max_length=TITLE_MAX,
        help_text=_("In a few words: what do you propose?"),
    )
    body = forms.CharField(
        label=_("Your idea"),
        min_length=BODY_MIN,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What need does it answer, for whom, and how? Plain text; leave a blank line between paragraphs."),
    )
    objective = forms.ModelChoiceField(
        label=_("Objective of the plan it serves"),
        queryset=None,
        required=False,
        empty_label=_("I do not know"),
        to_field_name="code",
        error_messages={"invalid_choice": _("Choose one of the consultation's objectives.")},
    )
    # A field people do not see (hidden by CSS and from assistive technologies): bots fill it.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, objectives=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = objectives
        self.fields["objective"].label_from_instance = lambda o: f"{o.code}. {o.title}"

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class TransitionForm(ErrorTextMixin, forms.Form):
    to = forms.ChoiceField(label=_("New state"))
    reason = forms.CharField(
        label=_("Reason or note"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to hide a proposal: its author reads it."),
    )
    action = forms.ModelChoiceField(
        label=_("Plan action it becomes"),
        queryset=Action.objects.order_by("position", "code"),
        required=False,
        to_field_name="code",
        help_text=_("Required to accept a proposal."),
        error_messages={"invalid_choice": _("Choose an action of the plan.")},
    )

    def __init__(self, *args, states=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(s, ProposalState(s).label) for s in states]
        self.fields["to"].error_messages["invalid_choice"] = _("This proposal cannot take that state.")
        self.fields["action"].label_from_instance = lambda a: f"{a.code}. {a.title}"


class AnswerForm(ErrorTextMixin, forms.Form):
    answer_fr = forms.CharField(
        label=_("Answer of the metropolis (French)"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    answer_en = forms.CharField(
        label=_("Answer of the metropolis (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
