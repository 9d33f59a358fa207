"""Parsing and validation of space queries (list, map, CSV export and API), and
the availability confirmation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from helice.core.search import MAX_QUERY_LENGTH
from helice.directory.forms import FacetValuesField

from .models import PathPhase, PlanStatus, SpaceKind
from .selectors import FACETS, SpaceFilters

# The values of the facets whose values are a fixed list: anything else is a bad
# request (400) with a message naming the value, not an empty result.
FIXED_VALUES = {
    "kind": (set(SpaceKind.values), _("“%(value)s” is not a kind of space.")),
    "stage": (set(PathPhase.values), _("“%(value)s” is not a phase of the company path (born, grow, reinvent).")),
    "status": ({*PlanStatus.values, "none"}, _("“%(value)s” is not a status of the plan.")),
}
TRUE_VALUES = {"1", "true", "on", "yes"}
FALSE_VALUES = {"", "0", "false", "off", "no"}


class AvailableField(forms.Field):
    widget = forms.HiddenInput

    def to_python(self, value):
        text = str(value or "").strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise forms.ValidationError(
            _("“%(value)s” is not understood: use available=1 to keep the spaces with units available."),
            params={"value": text[:20]},
        )


class SpaceFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
        error_messages={"max_length": _("The search text is limited to %(limit_value)d characters.")},
    )
    kind = FacetValuesField(required=False)
    stage = FacetValuesField(required=False)
    sector = FacetValuesField(required=False)
    commune = FacetValuesField(required=False)
    status = FacetValuesField(required=False)
    available = AvailableField(required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None and hasattr(data, "getlist"):
            plain = {"q": data.get("q", ""), "available": data.get("available", "")}
            plain.update({facet: data.getlist(facet) for facet in FACETS})
            data = plain
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        for facet, (allowed, message) in FIXED_VALUES.items():
            for value in data.get(facet) or []:
                if value not in allowed:
                    self.add_error(facet, forms.ValidationError(message, params={"value": value[:80]}))
                    break
        return data

    def to_filters(self) -> SpaceFilters:
        data = self.cleaned_data
        return SpaceFilters(
            q=data.get("q", ""),
            available=bool(data.get("available")),
            **{facet: data.get(facet, []) for facet in FACETS},
        )

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)


class AvailabilityForm(forms.Form):
    """What an operator confirms: the number of units free now, or that it does not
    publish a number."""

    units_available = forms.IntegerField(
        label=_("Units available now"),
        required=False,
        min_value=0,
        max_value=100_000,
        help_text=_("Leave empty if you do not publish a number. 0 means the space is full."),
    )

    def __init__(self, *args, space=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.space = space

    def clean_units_available(self):
        value = self.cleaned_data.get("units_available")
        unit_count = self.space.unit_count if self.space is not None else None
        if value is not None and unit_count is not None and value > unit_count:
            raise forms.ValidationError(
                _("The space has %(count)d units: no more can be available."),
                params={"count": unit_count},
            )
        return value
