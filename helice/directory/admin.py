"""Admin of the directory, with CSV and XLSX import and export."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from helice.core.admin import SpreadsheetAdmin

from . import services
from .models import InternationalActivity, Organization, Tag
from .resources import InternationalActivityResource, OrganizationResource, TagResource


@admin.register(Tag)
class TagAdmin(SpreadsheetAdmin):
    resource_classes = [TagResource]
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            # Tag names are part of the organisations' search documents.
            services.organization_reindex_all(queryset=obj.organizations.all())


class InternationalActivityInline(admin.TabularInline):
    model = InternationalActivity
    extra = 0
    fields = ("country", "kind", "note")


@admin.register(Organization)
class OrganizationAdmin(SpreadsheetAdmin):
    resource_classes = [OrganizationResource]
    list_display = ("name", "acronym", "kind", "helix", "commune", "status", "is_trusted", "updated_at")
    list_filter = ("status", "is_trusted", "kind", "helix", "sectors", "location_precision", "commune")
    list_select_related = ("commune",)
    search_fields = ("name", "acronym", "slug", "siren", "siret")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("commune", "tags")
    filter_horizontal = ("sectors",)
    inlines = [InternationalActivityInline]
    readonly_fields = ("created_at", "updated_at", "name_key", "search_document")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("name", "slug", "acronym", "kind", "helix", "status", "is_trusted")}),
        (_("Activity"), {"fields": ("sectors", "tags", "naf_code", "headcount_band", "founding_year")}),
        (_("Identifiers"), {"fields": ("siren", "siret")}),
        (
            _("Location"),
            {"fields": ("address", "postal_code", "commune", "latitude", "longitude", "location_precision")},
        ),
        (_("Presentation"), {"fields": ("website", "logo", "description_fr", "description_en")}),
        (_("Sources"), {"fields": ("sources",)}),
        (
            _("Derived and technical fields"),
            {"classes": ("collapse",), "fields": ("created_at", "updated_at", "name_key", "search_document")},
        ),
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Sectors and tags are saved only now: the search fields can be computed.
        services.organization_reindex(organization=form.instance)


@admin.register(InternationalActivity)
class InternationalActivityAdmin(SpreadsheetAdmin):
    resource_classes = [InternationalActivityResource]
    list_display = ("organization", "country", "kind", "note")
    list_filter = ("kind", "country")
    list_select_related = ("organization",)
    search_fields = ("organization__name", "organization__slug", "note")
    autocomplete_fields = ("organization",)
