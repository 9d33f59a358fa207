"""Spreadsheet import and export (django-import-export) of the directory.

An organisation row is keyed by its slug and uses the columns of the public CSV
export (``/annuaire/export.csv``), so that file can be edited and imported back:

* ``sectors``: sector slugs, ``|``-separated; each must exist;
* ``commune_insee``: the commune's INSEE code; it must exist (``commune``, its
  name, is only exported);
* ``tags``: tag slugs, ``|``-separated; unknown tags are created;
* ``international``: ``COUNTRY:kind`` pairs, ``|``-separated (``DE:export|CH:partnership``);
* ``status``: ``draft`` (the default), ``published`` or ``archived``.

A column left out of the file leaves that field of existing records unchanged.
Each row is validated like the admin form (SIREN, SIRET and NAF checks
included); one invalid row and the import applies nothing. Imported
organisations get their search fields recomputed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from import_export import fields
from import_export.results import RowResult

from helice.core.models import Commune, Sector
from helice.core.resources import (
    SEPARATOR,
    FloatWidget,
    ForeignKeyByWidget,
    HeliceResource,
    IntegerWidget,
    SlugListWidget,
    TextWidget,
    split_list,
)

from . import services
from .models import InternationalActivity, InternationalKind, Organization, Tag

INTERNATIONAL_COLUMN = "international"


def _text(name, column=None):
    return fields.Field(attribute=name, column_name=column or name, widget=TextWidget())


def _create_tag(slug: str) -> Tag:
    return Tag.objects.create(slug=slug, name=slug.replace("-", " ").capitalize())


def parse_international(value) -> list[tuple[str, str]]:
    """``"DE:export|ch:partnership"`` → ``[("DE", "export"), ("CH", "partnership")]``;
    ValueError naming the first bad pair."""
    pairs = []
    for item in split_list(value):
        code, _sep, kind = item.partition(":")
        code, kind = code.strip().upper(), kind.strip()
        if not countries.alpha2(code) or len(code) != 2:
            raise ValueError(_("“%(value)s”: unknown country code.") % {"value": item[:40]})
        if kind not in InternationalKind.values:
            raise ValueError(
                _("“%(value)s”: the kind must be one of %(kinds)s.")
                % {"value": item[:40], "kinds": ", ".join(InternationalKind.values)}
            )
        if (code, kind) not in pairs:
            pairs.append((code, kind))
    return pairs


class TagResource(HeliceResource):
    slug = _text("slug")
    name = _text("name")

    class Meta(HeliceResource.Meta):
        model = Tag
        name = gettext_lazy("Tags")
        fields = ("slug", "name")
        export_order = fields
        import_id_fields = ("slug",)


class OrganizationResource(HeliceResource):
    slug = _text("slug")
    name = _text("name")
    acronym = _text("acronym")
    kind = _text("kind")
    helix = _text("helix")
    sectors = fields.Field(
        attribute="sectors",
        column_name="sectors",
        widget=SlugListWidget(Sector, message=gettext_lazy("Unknown sector: %(value)s.")),
    )
    naf_code = _text("naf_code")
    siren = _text("siren")
    siret = _text("siret")
    address = _text("address")
    postal_code = _text("postal_code")
    commune_insee = fields.Field(
        attribute="commune",
        column_name="commune_insee",
        widget=ForeignKeyByWidget(
            Commune, field="insee_code", message=gettext_lazy("No commune has the INSEE code “%(value)s”.")
        ),
    )
    commune_name = fields.Field(column_name="commune", readonly=True, dehydrate_method="dehydrate_commune_name")
    latitude = fields.Field(attribute="latitude", column_name="latitude", widget=FloatWidget())
    longitude = fields.Field(attribute="longitude", column_name="longitude", widget=FloatWidget())
    location_precision = _text("location_precision")
    website = _text("website")
    founding_year = fields.Field(attribute="founding_year", column_name="founding_year", widget=IntegerWidget())
    headcount_band = _text("headcount_band")
    international = fields.Field(column_name=INTERNATIONAL_COLUMN, dehydrate_method="dehydrate_international")
    tags = fields.Field(
        attribute="tags",
        column_name="tags",
        widget=SlugListWidget(Tag, message=gettext_lazy("Unknown tag: %(value)s."), create=_create_tag),
    )
    description_fr = _text("description_fr")
    description_en = _text("description_en")
    status = _text("status")
    sources = _text("sources")
    url = fields.Field(column_name="url", readonly=True, dehydrate_method="dehydrate_url")

    class Meta(HeliceResource.Meta):
        model = Organization
        name = gettext_lazy("Organisations")
        fields = (
            "slug",
            "name",
            "acronym",
            "kind",
            "helix",
            "sectors",
            "naf_code",
            "siren",
            "siret",
            "address",
            "postal_code",
            "commune_insee",
            "commune_name",
            "latitude",
            "longitude",
            "location_precision",
            "website",
            "founding_year",
            "headcount_band",
            "international",
            "tags",
            "description_fr",
            "description_en",
            "status",
            "sources",
            "url",
        )
        export_order = fields
        import_id_fields = ("slug",)

    # --- export ---

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("commune").prefetch_related("sectors", "tags", "international_activities")

    def dehydrate_commune_name(self, organization):
        return organization.commune.name if organization.commune_id else ""

    def dehydrate_international(self, organization):
        if not organization.pk:
            return ""
        return SEPARATOR.join(f"{a.country.code}:{a.kind}" for a in organization.international_activities.all())

    def dehydrate_url(self, organization):
        return organization.get_absolute_url() if organization.slug else ""

    # --- import ---

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        # A blank status means a draft: nothing is published by accident.
        if "status" in row and not (row["status"] or "").strip():
            row["status"] = "draft"

    def validate_extra_columns(self, instance, row):
        if INTERNATIONAL_COLUMN not in row:
            return {}
        try:
            parse_international(row[INTERNATIONAL_COLUMN])
        except ValueError as exc:
            return {INTERNATIONAL_COLUMN: [ValidationError(str(exc), code="invalid")]}
        return {}

    def save_m2m(self, instance, row, **kwargs):
        super().save_m2m(instance, row, **kwargs)
        dry_run_without_transaction = kwargs.get("dry_run") and not kwargs.get("using_transactions")
        if INTERNATIONAL_COLUMN in row and not dry_run_without_transaction:
            wanted = parse_international(row[INTERNATIONAL_COLUMN])
            current = {(a.country.code, a.kind): a for a in instance.international_activities.all()}
            for key, activity in current.items():
                if key not in wanted:
                    activity.delete()
            InternationalActivity.objects.bulk_create(
                InternationalActivity(organization=instance, country=code, kind=kind)
                for code, kind in wanted
                if (code, kind) not in current
            )

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        ids = [
            r.object_id
            for r in result.rows
            if r.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE) and r.object_id
        ]
        services.organization_reindex_all(queryset=Organization.objects.filter(pk__in=ids))


class InternationalActivityResource(HeliceResource):
    organization = fields.Field(
        attribute="organization",
        column_name="organization",
        widget=ForeignKeyByWidget(
            Organization, field="slug", message=gettext_lazy("No organisation has the slug “%(value)s”.")
        ),
    )
    country = fields.Field(attribute="country", column_name="country", widget=TextWidget())
    kind = _text("kind")
    note = _text("note")

    class Meta(HeliceResource.Meta):
        model = InternationalActivity
        name = gettext_lazy("International activities")
        fields = ("organization", "country", "kind", "note")
        export_order = fields
        import_id_fields = ("organization", "country", "kind")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("organization")

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        if row.get("country"):
            row["country"] = str(row["country"]).strip().upper()
