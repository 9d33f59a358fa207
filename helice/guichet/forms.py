"""Parsing and validation of service queries (HTML list, CSV export and API)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from helice.core.search import MAX_QUERY_LENGTH
from helice.directory.forms import FacetValuesField

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
