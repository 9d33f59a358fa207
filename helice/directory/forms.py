"""Parsing and validation of directory queries (HTML, CSV and API alike)."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from helice.core.search import MAX_QUERY_LENGTH

from .selectors import FACETS, SORTS, DirectoryFilters

MAX_VALUES_PER_FACET = 30
_VALUE = re.compile(r"^[a-z0-9_+-]{1,80}$")


class FacetValuesField(forms.Field):
    """A repeated query parameter (``?sector=a&sector=b``). Values are matched
    literally: a value that names nothing simply finds nothing."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        values = []
        for item in value:
            item = str(item).strip().lower()
            if item and item not in values:
                values.append(item)
        return values

    def validate(self, value):
        super().validate(value)
        if len(value) > MAX_VALUES_PER_FACET:
            raise forms.ValidationError(_("At most %(max)d values per filter."), params={"max": MAX_VALUES_PER_FACET})
        for item in value:
            if not _VALUE.match(item):
                raise forms.ValidationError(_("“%(value)s” is not a valid filter value."), params={"value": item[:80]})


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
        error_messages={"max_length": _("The search text is limited to %(limit_value)d characters.")},
    )
    kind = FacetValuesField(required=False)
    sector = FacetValuesField(required=False)
    commune = FacetValuesField(required=False)
    helix = FacetValuesField(required=False)
    country = FacetValuesField(required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(SORTS.items()))

    def __init__(self, data=None, **kwargs):
        if data is not None and hasattr(data, "getlist"):
            plain = {name: data.get(name, "") for name in ("q", "sort")}
            plain.update({facet: data.getlist(facet) for facet in FACETS})
            data = plain
        super().__init__(data, **kwargs)

    def to_filters(self) -> DirectoryFilters:
        data = self.cleaned_data
        return DirectoryFilters(
            q=data.get("q", ""),
            sort=data.get("sort") or ("relevance" if data.get("q") else "name"),
            **{facet: data.get(facet, []) for facet in FACETS},
        )

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)
