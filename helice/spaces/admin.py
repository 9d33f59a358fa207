from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from helice.core.uploads import SafeImageField

from . import services
from .models import PriorityNeighbourhood, Space, SpacePhoto


class SpacePhotoInline(admin.TabularInline):
    model = SpacePhoto
    extra = 0
    fields = ("image", "credit", "alt_fr", "alt_en", "position")
    # Photos are checked by their content and re-encoded (core.uploads), in the admin too.
    formfield_overrides = {models.ImageField: {"form_class": SafeImageField}}


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "commune", "plan_status", "plan_horizon", "units_available", "status")
    list_filter = (
        "status",
        "kind",
        "plan_status",
        "plan_horizon",
        "serves_born",
        "serves_grow",
        "serves_reinvent",
        "sectors",
        ("availability_confirmed_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("name", "name_en", "slug", "operators__name", "commune__name")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("operators", "commune")
    filter_horizontal = ("sectors",)
    readonly_fields = ("created_at", "updated_at", "availability_reminded_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [SpacePhotoInline]
    fieldsets = (
        (None, {"fields": ("name", "name_en", "slug", "kind", "operators", "status", "publish_on_approval")}),
        (_("Texts"), {"fields": ("summary_fr", "summary_en", "description_fr", "description_en")}),
        (
            _("Place"),
            {"fields": ("address", "postal_code", "commune", "latitude", "longitude", "location_precision")},
        ),
        (_("Path and sectors"), {"fields": ("serves_born", "serves_grow", "serves_reinvent", "sectors")}),
        (
            _("Offer"),
            {
                "fields": (
                    "total_surface_m2",
                    "unit_count",
                    "unit_size_min_m2",
                    "unit_size_max_m2",
                    "units_available",
                    "availability_confirmed_at",
                    "availability_reminded_at",
                    "price_range_fr",
                    "price_range_en",
                    "services_fr",
                    "services_en",
                    "equipment_fr",
                    "equipment_en",
                )
            },
        ),
        (
            _("Access"),
            {
                "fields": (
                    "selection_required",
                    "max_stay_months",
                    "access_conditions_fr",
                    "access_conditions_en",
                    "wheelchair_accessible",
                    "accessibility_fr",
                    "accessibility_en",
                    "opening_hours_fr",
                    "opening_hours_en",
                    "contact_email",
                    "contact_phone",
                    "website",
                )
            },
        ),
        (_("Plan"), {"fields": ("plan_status", "plan_horizon", "plan_note_fr", "plan_note_en")}),
        (None, {"fields": ("source", "created_at", "updated_at")}),
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.space_reindex(space=form.instance)


@admin.register(PriorityNeighbourhood)
class PriorityNeighbourhoodAdmin(admin.ModelAdmin):
    """Read only: the list is the State's, loaded by ``import_priority_neighbourhoods``."""

    list_display = ("name", "code", "commune", "source", "imported_at")
    list_filter = ("commune",)
    search_fields = ("name", "code", "commune__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
