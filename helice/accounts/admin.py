from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Invitation, JoinRequest, Membership, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Public profile"), {"fields": ("display_name", "participant_category", "deleted_at")}),
    )
    readonly_fields = ("deleted_at",)
    list_display = ("username", "email", "display_name", "is_staff", "is_active")
    list_filter = (*BaseUserAdmin.list_filter, "participant_category")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "user__display_name", "organization__name")
    autocomplete_fields = ("user", "organization")
    readonly_fields = ("added_by", "created_at")
    list_select_related = ("user", "organization")


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "status", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__username", "user__email", "user__display_name", "organization__name", "message")
    autocomplete_fields = ("user", "organization")
    readonly_fields = ("created_at", "decided_at", "decided_by")
    list_select_related = ("user", "organization")
    date_hierarchy = "created_at"


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are created from the members page, which emails the link; here
    they are only read (the token is stored hashed and cannot be shown again)."""

    list_display = ("email", "organization", "role", "status", "created_at", "expires_at")
    list_filter = ("status", "role")
    search_fields = ("email", "organization__name")
    readonly_fields = (
        "organization",
        "email",
        "role",
        "invited_by",
        "status",
        "created_at",
        "expires_at",
        "decided_at",
        "accepted_by",
    )
    list_select_related = ("organization",)

    def has_add_permission(self, request):
        return False
