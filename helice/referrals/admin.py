from django.contrib import admin

from .models import Case, CaseEvent, Request


class CaseInline(admin.TabularInline):
    model = Case
    fk_name = "request"
    extra = 0
    fields = ("organization", "subject_label", "routing", "status", "received_at", "first_answer_at", "closed_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    """Read-mostly: requests are handled in the inboxes, where every change is dated."""

    list_display = ("__str__", "kind", "created_at", "submitted_at", "anonymised_at")
    list_filter = ("kind", ("submitted_at", admin.EmptyFieldListFilter))
    search_fields = ("email", "name", "company_name", "siren", "siret")
    readonly_fields = ("kind", "submission_key", "user", "created_at", "submitted_at", "anonymised_at")
    exclude = ("token_hash",)
    inlines = [CaseInline]


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "at", "to_status", "public")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in CaseEvent._meta.fields]

    def has_add_permission(self, request):
        return False
