"""Spreadsheet import and export (django-import-export) of the reference data,
and the building blocks the other apps' resources share.

Conventions of every Hélice file:

* records are keyed by a stable natural key (a slug, an INSEE code), never by
  database ids, so a file can move between installations;
* lists sit in one cell, separated by ``|`` (``energie|numerique``);
* every row goes through the model's validation (``full_clean``) and an import
  with one invalid row applies nothing;
* text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
  ``@``) are exported behind an apostrophe, which the import removes again.
"""

from __future__ import annotations

import math
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from .models import Commune, PriorityDomain, Sector

SEPARATOR = "|"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def escape_formula(value):
    """Neutralise spreadsheet formulas (CSV/XLSX injection); numbers pass as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def unescape_formula(value):
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value


def split_list(value) -> list[str]:
    """The distinct, stripped items of a ``|``-separated cell, in order."""
    if value is None:
        return []
    items = []
    for item in str(value).split(SEPARATOR):
        item = item.strip()
        if item and item not in items:
            items.append(item)
    return items


class TextWidget(widgets.CharWidget):
    """Text of a model field that is never NULL: an empty cell is ``""``."""

    def __init__(self, **kwargs):
        super().__init__(coerce_to_string=True, allow_blank=True)


class IntegerWidget(widgets.Widget):
    """A whole number in machine format, whatever the interface language."""

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = str(value).strip()
        if re.fullmatch(r"[+-]?\d{1,15}", text):
            return int(text)
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text[:40]})

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return value
        return "" if value is None else str(value)


class FloatWidget(widgets.Widget):
    """A decimal number in machine format (a decimal comma is accepted on import)."""

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            text = str(value).strip().replace(",", ".")
            if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
                raise ValueError(_("“%(value)s” is not a number.") % {"value": str(value)[:40]})
            number = float(text)
        if not math.isfinite(number):
            raise ValueError(_("“%(value)s” is not a number.") % {"value": str(value)[:40]})
        return number

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return value
        return "" if value is None else repr(float(value))


class BooleanWidget(widgets.BooleanWidget):
    """Yes or no: 1/0, true/false (an empty cell takes the field's default).
    Anything else is an error rather than a silent "no"."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        if value not in (*self.TRUE_VALUES, *self.FALSE_VALUES, *self.NULL_VALUES):
            raise ValueError(_("“%(value)s” is not a yes/no value (use 1 or 0).") % {"value": str(value)[:40]})
        return super().clean(value, row=row, **kwargs)


class ListWidget(widgets.Widget):
    """A JSON list of strings, written as ``a|b|c`` in one cell."""

    def clean(self, value, row=None, **kwargs):
        return split_list(value)

    def render(self, value, obj=None, **kwargs):
        return SEPARATOR.join(str(v) for v in value or [])


class ForeignKeyByWidget(widgets.ForeignKeyWidget):
    """A foreign key written as a natural key. An unknown key is a row error
    that names the value, not a traceback."""

    def __init__(self, model, field, message, **kwargs):
        super().__init__(model, field=field, **kwargs)
        self.message = message

    def clean(self, value, row=None, **kwargs):
        value = "" if value is None else str(value).strip()
        if not value:
            return None
        try:
            return self.model.objects.get(**{self.field: value})
        except self.model.DoesNotExist:
            raise ValueError(self.message % {"value": value[:80]}) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(getattr(value, self.field))


class SlugListWidget(widgets.ManyToManyWidget):
    """A many-to-many relation written as ``|``-separated natural keys.

    :meth:`parse` validates a cell without writing anything; an unknown key is an
    error unless ``create`` is set, in which case :meth:`clean` (called when the
    row is saved) creates it with ``create(key)``."""

    def __init__(self, model, field="slug", *, message, create=None, validate_key=validate_slug, **kwargs):
        super().__init__(model, separator=SEPARATOR, field=field, **kwargs)
        self.message = message
        self.create = create
        self.validate_key = validate_key

    def parse(self, value) -> tuple[list[str], dict]:
        keys = split_list(value)
        for key in keys:
            try:
                self.validate_key(key)
            except ValidationError:
                raise ValueError(_("“%(value)s” is not a valid identifier.") % {"value": key[:80]}) from None
        found = {str(getattr(o, self.field)): o for o in self.model.objects.filter(**{f"{self.field}__in": keys})}
        missing = [k for k in keys if k not in found]
        if missing and self.create is None:
            raise ValueError(self.message % {"value": ", ".join(missing)})
        return keys, found

    def clean(self, value, row=None, **kwargs):
        keys, found = self.parse(value)
        for key in keys:
            if key not in found:
                found[key] = self.create(key)
        return [found[k] for k in keys]


class HeliceResource(resources.ModelResource):
    """Base of every Hélice resource: model validation on each row, all-or-nothing
    imports, formula-safe exports, list cells validated before anything is saved."""

    class Meta:
        clean_model_instances = True
        skip_unchanged = False
        use_transactions = True

    def import_data(self, dataset, **kwargs):
        # A row that fails validation rolls the whole import back, in the admin's
        # confirm step as everywhere else.
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        for key, value in row.items():
            row[key] = unescape_formula(value)
        super().before_import_row(row, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        # Many-to-many cells are only written after the row is saved; check them now
        # so that their errors appear in the preview beside the others.
        for field in self.get_import_fields():
            if isinstance(field.widget, SlugListWidget) and field.column_name in row and not field.readonly:
                try:
                    field.widget.parse(row[field.column_name])
                except ValueError as exc:
                    errors[field.attribute] = [ValidationError(str(exc), code="invalid")]
        errors.update(self.validate_extra_columns(instance, row))
        if errors:
            raise ValidationError(errors)

    def validate_extra_columns(self, instance, row) -> dict:
        """Errors of columns that are not model fields, as {name: [ValidationError]}."""
        return {}

    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))


def _text(name, column=None):
    return fields.Field(attribute=name, column_name=column or name, widget=TextWidget())


class PriorityDomainResource(HeliceResource):
    code = _text("code")
    name_fr = _text("name_fr")
    name_en = _text("name_en")
    position = fields.Field(attribute="position", column_name="position", widget=IntegerWidget(), default=0)
    is_active = fields.Field(attribute="is_active", column_name="is_active", widget=BooleanWidget(), default=True)
    source = _text("source")

    class Meta(HeliceResource.Meta):
        model = PriorityDomain
        name = gettext_lazy("Regional priority domains")
        fields = ("code", "name_fr", "name_en", "position", "is_active", "source")
        export_order = fields
        import_id_fields = ("code",)


class SectorResource(HeliceResource):
    slug = _text("slug")
    name_fr = _text("name_fr")
    name_en = _text("name_en")
    description_fr = _text("description_fr")
    description_en = _text("description_en")
    priority_domains = fields.Field(
        attribute="priority_domains",
        column_name="priority_domains",
        widget=SlugListWidget(
            PriorityDomain, field="code", message=gettext_lazy("Unknown regional priority domain: %(value)s.")
        ),
    )
    naf_prefixes = fields.Field(attribute="naf_prefixes", column_name="naf_prefixes", widget=ListWidget())
    position = fields.Field(attribute="position", column_name="position", widget=IntegerWidget(), default=0)
    is_active = fields.Field(attribute="is_active", column_name="is_active", widget=BooleanWidget(), default=True)
    source = _text("source")

    class Meta(HeliceResource.Meta):
        model = Sector
        name = gettext_lazy("Sectors")
        fields = (
            "slug",
            "name_fr",
            "name_en",
            "description_fr",
            "description_en",
            "priority_domains",
            "naf_prefixes",
            "position",
            "is_active",
            "source",
        )
        export_order = fields
        import_id_fields = ("slug",)


class CommuneResource(HeliceResource):
    insee_code = _text("insee_code")
    slug = _text("slug")
    name = _text("name")
    postal_codes = fields.Field(attribute="postal_codes", column_name="postal_codes", widget=ListWidget())
    population = fields.Field(attribute="population", column_name="population", widget=IntegerWidget())
    population_year = fields.Field(attribute="population_year", column_name="population_year", widget=IntegerWidget())
    latitude = fields.Field(attribute="latitude", column_name="latitude", widget=FloatWidget())
    longitude = fields.Field(attribute="longitude", column_name="longitude", widget=FloatWidget())
    is_active = fields.Field(attribute="is_active", column_name="is_active", widget=BooleanWidget(), default=True)
    source = _text("source")

    class Meta(HeliceResource.Meta):
        model = Commune
        name = gettext_lazy("Communes")
        fields = (
            "insee_code",
            "slug",
            "name",
            "postal_codes",
            "population",
            "population_year",
            "latitude",
            "longitude",
            "is_active",
            "source",
        )
        export_order = fields
        import_id_fields = ("insee_code",)
