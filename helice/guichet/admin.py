from django.contrib import admin
from django.db import models

from . import services
from .models import Need, SavedSearch, Service, Stage


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en", "position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_fr", "name_en")

    def has_delete_permission(self, request, obj=None):
        return False  # reference data is retired (is_active), never deleted


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en", "parent", "position", "is_active")
    list_filter = ("is_active", "parent")
    search_fields = ("code", "name_fr", "name_en")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "calendar", "opens_on", "closes_on", "status", "updated_at")
    list_filter = ("status", "publish_on_approval", "kind", "calendar", "needs", "stages", "sectors")
    search_fields = ("name", "name_en", "slug", "providers__name")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("providers",)
    filter_horizontal = ("needs", "stages", "sectors")
    readonly_fields = ("created_at", "updated_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.service_reindex(service=form.instance)


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    """The alerts, read only: people manage theirs through the link mailed to them.
    The addresses are personal data (staff only)."""

    list_display = ("email", "language", "created_at", "confirmed_at", "last_sent_at", "unsubscribed_at")
    list_filter = (
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("unsubscribed_at", admin.EmptyFieldListFilter),
        "language",
    )
    search_fields = ("email",)
    date_hierarchy = "created_at"
    fields = ("email", "criteria", "language", "user", "created_at", "confirmed_at", "last_sent_at", "unsubscribed_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
