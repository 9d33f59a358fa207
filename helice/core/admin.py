"""Admin of the reference data, with CSV and XLSX import and export."""

from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from .models import Commune, OutgoingEmail, PriorityDomain, Sector
from .resources import CommuneResource, PriorityDomainResource, SectorResource


class SpreadsheetAdmin(ImportExportModelAdmin):
    """Import and export in CSV and XLSX only: the formats the metropolis's staff
    open in a spreadsheet. Every import is previewed (dry run) before it is applied."""

    formats = [base_formats.CSV, base_formats.XLSX]
    # A web address typed without a scheme is https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(PriorityDomain)
class PriorityDomainAdmin(SpreadsheetAdmin):
    resource_classes = [PriorityDomainResource]
    list_display = ("code", "name_fr", "name_en", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_fr", "name_en")


@admin.register(Sector)
class SectorAdmin(SpreadsheetAdmin):
    resource_classes = [SectorResource]
    list_display = ("name_fr", "name_en", "slug", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active", "priority_domains")
    search_fields = ("slug", "name_fr", "name_en")
    prepopulated_fields = {"slug": ("name_fr",)}
    filter_horizontal = ("priority_domains",)
    fieldsets = (
        (None, {"fields": ("name_fr", "name_en", "slug", "position", "is_active")}),
        (_("Description"), {"fields": ("description_fr", "description_en")}),
        (_("Classification"), {"fields": ("priority_domains", "naf_prefixes")}),
        (_("Sources"), {"fields": ("source",)}),
    )


@admin.register(Commune)
class CommuneAdmin(SpreadsheetAdmin):
    resource_classes = [CommuneResource]
    list_display = ("name", "insee_code", "population", "population_year", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "insee_code", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """The outbox: what left, what waits and why. Failed mails can be requeued."""

    list_display = ("created_at", "template", "subject", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "template")
    search_fields = ("subject", "recipients")
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]
    actions = ["requeue"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send again"))
    def requeue(self, request, queryset):
        count = queryset.exclude(status=OutgoingEmail.Status.SENT).update(
            status=OutgoingEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        self.message_user(request, _("%(count)d e-mail(s) queued again.") % {"count": count})
