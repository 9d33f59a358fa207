"""Parsing and validation of service queries (HTML list, CSV export and API)."""

from django import forms
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext_lazy as _

from helice.core.search import MAX_QUERY_LENGTH
from helice.directory.forms import FacetValuesField

from .models import FINANCING_KINDS, PARTNER_EDITABLE_FIELDS, Service, offered_kinds
from .selectors import FACETS, ServiceFilters


class ServiceFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
        error_messages={"max_length": _("The search text is limited to %(limit_value)d characters.")},
    )
    kind = FacetValuesField(required=False)
    need = FacetValuesField(required=False)
    stage = FacetValuesField(required=False)
    sector = FacetValuesField(required=False)
    provider = FacetValuesField(required=False)
    availability = FacetValuesField(required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None and hasattr(data, "getlist"):
            plain = {"q": data.get("q", "")}
            plain.update({facet: data.getlist(facet) for facet in FACETS})
            data = plain
        super().__init__(data, **kwargs)

    def to_filters(self) -> ServiceFilters:
        data = self.cleaned_data
        return ServiceFilters(q=data.get("q", ""), **{facet: data.get(facet, []) for facet in FACETS})

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)


class FinderForm(forms.Form):
    """The finder's criteria, each optional. Codes are checked against every need
    and stage, active or retired: an old link or saved search keeps working."""

    q = forms.CharField(
        label=_("Describe what you are looking for"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
        help_text=_("For example: “je cherche un financement pour industrialiser mon prototype”."),
        error_messages={"max_length": _("The text is limited to %(limit_value)d characters.")},
    )
    need = forms.MultipleChoiceField(label=_("Your needs"), required=False, widget=forms.CheckboxSelectMultiple)
    stage = forms.ChoiceField(label=_("Your company's stage"), required=False)
    sector = forms.ChoiceField(label=_("Your sector"), required=False)
    commune = forms.ChoiceField(label=_("Your commune"), required=False)
    size = forms.IntegerField(
        label=_("Headcount"), required=False, min_value=0, max_value=1_000_000, help_text=_("Number of employees.")
    )
    age = forms.IntegerField(
        label=_("Age of the company (years)"),
        required=False,
        min_value=0,
        max_value=300,
        help_text=_("0 if it is not created yet."),
    )

    def __init__(self, data=None, **kwargs):
        from .matching import form_choices

        if data is not None and hasattr(data, "getlist"):
            plain = {name: data.get(name, "") for name in ("q", "stage", "sector", "commune", "size", "age")}
            plain["need"] = data.getlist("need")
            data = plain
        super().__init__(data, **kwargs)
        choices = form_choices()  # cached per catalogue version: the finder is a hot page
        self.needs_by_parent = choices.needs
        self.fields["need"].choices = [(n.code, n.name) for n in choices.all_needs]
        self.fields["stage"].choices = [("", _("Any stage"))] + [
            (s.code, s.name) for s in choices.stages if s.is_active or s.code == self._raw("stage")
        ]
        self.fields["sector"].choices = [("", _("Any sector"))] + [(s.code, s.name) for s in choices.sectors]
        self.fields["commune"].choices = [("", _("Anywhere"))] + [
            (c.code, c.name) for c in choices.communes if c.is_active or c.code == self._raw("commune")
        ]

    def _raw(self, name):
        return (self.data or {}).get(name, "") if self.is_bound else ""

    def to_criteria(self):
        from .matching import Criteria

        data = self.cleaned_data
        return Criteria(
            needs=data.get("need") or [],
            stage=data.get("stage") or "",
            sector=data.get("sector") or "",
            commune=data.get("commune") or "",
            size=data.get("size"),
            age=data.get("age"),
            q=data.get("q") or "",
        )

    def error_text(self) -> str:
        return " ".join(
            f"{self.fields[name].label}: {error}" for name, errors in self.errors.items() for error in errors
        )


ALERT_HONEYPOT = "website"


class HoneypotFilled(SuspiciousOperation):
    """A bot filled the hidden field: Django answers 400 and nothing is saved."""


class SearchAlertForm(forms.Form):
    """The address that receives an alert (the search's criteria come with it, in
    the finder's own fields, read by :class:`FinderForm`), and a honeypot."""

    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_(
            "We first send a link to confirm the address. Then, once a week, the new services and calls "
            "that fit this search, only when there are some. One click stops them."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Humans never meet this field (off screen, aria-hidden, out of the keyboard
    # order, as in the sign-up form); bots that fill every input do fill it.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    honeypot_field = ALERT_HONEYPOT

    def clean(self):
        if self.data.get(ALERT_HONEYPOT):
            raise HoneypotFilled("Alert honeypot filled.")
        return super().clean()


def kind_choices(current: str = "") -> list:
    """The kinds a partner may choose, financing and support apart; retired kinds
    are left out, except ``current`` (the service's own)."""
    offered = offered_kinds(current)
    return [
        ("", _("Choose a kind")),
        (_("Financing"), [(value, label) for value, label in offered if value in FINANCING_KINDS]),
        (_("Support"), [(value, label) for value, label in offered if value not in FINANCING_KINDS]),
    ]


class ServiceEditForm(forms.ModelForm):
    """A service as its providers' members edit it in the partner space, or propose
    a new one (``service=None``, ``base={}``). Nothing is saved here: the result
    becomes a revision (helice.moderation), published at once for a trusted
    provider or a moderator, held for review otherwise."""

    needs = forms.ModelMultipleChoiceField(
        label=_("Needs answered"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
    )
    stages = forms.ModelMultipleChoiceField(
        label=_("Company stages"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
    )
    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
        help_text=_("Tick none when the service is open to every sector."),
    )
    website = forms.URLField(label=_("Website"), required=False, max_length=300, assume_scheme="https")
    comment = forms.CharField(
        label=_("Note for the moderators (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Service
        fields = PARTNER_EDITABLE_FIELDS
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, service=None, base: dict | None = None, **kwargs):
        from django.db.models import Q

        from helice.core.models import Sector

        from .models import Need, Stage

        self.service, self.base = service, base or {}
        instance = Service.objects.get(pk=service.pk) if service is not None else Service()
        super().__init__(*args, instance=instance, **kwargs)
        # Retired reference data stays selectable for a service that already has it.
        own = Q(services=service) if service is not None else Q(pk__in=[])
        self.fields["needs"].queryset = Need.objects.filter(Q(is_active=True, parent__isnull=False) | own).distinct()
        self.fields["stages"].queryset = Stage.objects.filter(Q(is_active=True) | own).distinct()
        self.fields["sectors"].queryset = Sector.objects.filter(Q(is_active=True) | own).distinct()
        self.fields["kind"].choices = kind_choices(instance.kind)
        self.fields["kind"].label = _("Kind of service")

    def clean_description_fr(self):
        from helice.core.sanitize import clean_rich_input

        return clean_rich_input(self.cleaned_data.get("description_fr", ""))

    def clean_description_en(self):
        from helice.core.sanitize import clean_rich_input

        return clean_rich_input(self.cleaned_data.get("description_en", ""))

    def proposed_data(self) -> dict:
        data = dict(self.base)
        for name in self.Meta.fields:
            value = self.cleaned_data.get(name)
            if name in ("needs", "stages"):
                data[name] = sorted(o.code for o in value or [])
            elif name == "sectors":
                data[name] = sorted(o.slug for o in value or [])
            elif name in ("opens_on", "closes_on"):
                data[name] = value.isoformat() if value else None
            else:
                data[name] = value if value is not None else ""
        return data

    @classmethod
    def initial_from(cls, data: dict) -> dict:
        return {k: v for k, v in data.items() if k in cls.Meta.fields}
