"""The Django admin of accounts. It must not be a way around the rules: the
fields that grant powers (superuser, staff, groups, permissions) are changed by
superusers only, and memberships, join requests and invitations change through
``helice.accounts.services.memberships`` (the last administrator of an
organisation stays; decisions are made and emailed from the members page)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Invitation, JoinRequest, Membership, MembershipRole, User
from .services import memberships as services

# Fields only a superuser may change, on anyone: otherwise a staff member allowed to
# change users could make themselves (or a friend) superuser.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Public profile"), {"fields": ("display_name", "participant_category", "deleted_at")}),
    )
    readonly_fields = ("deleted_at",)
    list_display = ("username", "email", "display_name", "is_staff", "is_active")
    list_filter = (*BaseUserAdmin.list_filter, "participant_category")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [name for name in SUPERUSER_ONLY_FIELDS if name not in fields]
        return fields

    def has_change_permission(self, request, obj=None):
        """A superuser's account is changed by superusers only (its email or password
        would otherwise open it)."""
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


def _refusal(error: Exception) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error)])


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """A membership can be added here (a moderator naming the administrator of an
    organisation that has none); its role changes and its removal go through the
    services, with the actions below, so the last administrator stays."""

    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "user__display_name", "organization__name")
    autocomplete_fields = ("user", "organization")
    list_select_related = ("user", "organization")
    actions = ("make_admin", "make_editor", "remove_members")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("added_by", "created_at")
        return ("user", "organization", "role", "added_by", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # replaced by remove_members
        return actions

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is not None and obj.role == MembershipRole.ADMIN:
            others = Membership.objects.filter(organization_id=obj.organization_id, role=MembershipRole.ADMIN)
            return others.exclude(pk=obj.pk).exists()
        return True

    def delete_model(self, request, obj):
        try:
            services.membership_remove(membership=obj, by=request.user)
        except services.MembershipError as error:
            raise PermissionDenied(_refusal(error)) from error

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            self.delete_model(request, membership)

    def _apply(self, request, queryset, change) -> None:
        done = 0
        for membership in queryset.select_related("user", "organization"):
            try:
                change(membership)
            except (services.MembershipError, PermissionDenied) as error:
                self.message_user(request, f"{membership}: {_refusal(error)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d membership changed.", "%(count)d memberships changed.", done) % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Make them organisation administrators"), permissions=["change"])
    def make_admin(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda m: services.membership_change_role(membership=m, role=MembershipRole.ADMIN, by=request.user),
        )

    @admin.action(description=_("Make them editors (the last administrator stays)"), permissions=["change"])
    def make_editor(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda m: services.membership_change_role(membership=m, role=MembershipRole.EDITOR, by=request.user),
        )

    @admin.action(
        description=_("Remove them from the organisation (the last administrator stays)"), permissions=["delete"]
    )
    def remove_members(self, request, queryset):
        self._apply(request, queryset, lambda m: services.membership_remove(membership=m, by=request.user))


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    """Join requests are read here; they are decided (and the requester emailed)
    on the organisation's members page."""

    list_display = ("user", "organization", "status", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__username", "user__email", "user__display_name", "organization__name", "message")
    readonly_fields = (
        "user",
        "organization",
        "message",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
        "reason",
    )
    list_select_related = ("user", "organization")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are created from the members page, which emails the link; here
    they are only read (the token is stored hashed and cannot be shown again)."""

    list_display = ("email", "organization", "role", "status", "created_at", "last_sent_at", "expires_at")
    list_filter = ("status", "role")
    search_fields = ("email", "organization__name")
    readonly_fields = (
        "organization",
        "email",
        "role",
        "invited_by",
        "status",
        "created_at",
        "last_sent_at",
        "expires_at",
        "decided_at",
        "accepted_by",
    )
    list_select_related = ("organization",)

    def has_add_permission(self, request):
        return False
