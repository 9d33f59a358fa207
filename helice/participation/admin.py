"""Consultations and proposals in the admin. A proposal's state, answer and action
change on its page in the site (services.proposal_transition / proposal_answer,
with their history); counters are kept by the services and only read here."""

from django.contrib import admin

from .models import (
    Comment,
    CommentFlag,
    Consultation,
    Follow,
    Opinion,
    ParticipationBlock,
    ParticipationSettings,
    Proposal,
    ProposalChange,
)

COUNTERS = ("agree_count", "mixed_count", "disagree_count", "comment_count")


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ("title_fr", "status", "phase_label", "opens_on", "closes_on", "results_on")
    list_filter = ("status",)
    search_fields = ("title_fr", "title_en", "slug")
    prepopulated_fields = {"slug": ("title_fr",)}
    filter_horizontal = ("axes", "objectives")


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("title_fr", "consultation", "origin", "state", "objective", *COUNTERS)
    list_filter = ("consultation", "origin", "state", "is_example")
    search_fields = ("title_fr", "title_en", "reference", "slug")
    raw_id_fields = ("author", "answered_by", "action")
    readonly_fields = (
        "state",
        "state_changed_at",
        "answer_fr",
        "answer_en",
        "answered_at",
        "answered_by",
        "action",
        *COUNTERS,
        "published_at",
    )

    def save_model(self, request, obj, form, change):
        obj.search_document = obj.build_search_document()
        super().save_model(request, obj, form, change)


@admin.register(ProposalChange)
class ProposalChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "proposal", "field", "before", "after", "author")
    readonly_fields = [f.name for f in ProposalChange._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Opinion)
class OpinionAdmin(admin.ModelAdmin):
    """Read only: opinions change through the site, which keeps the counters exact."""

    list_display = ("proposal", "user", "value", "participant_category", "updated_at")
    list_filter = ("value", "participant_category")
    raw_id_fields = ("proposal", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("proposal", "author", "stance", "is_official", "created_at", "hidden_at")
    list_filter = ("stance", "is_official")
    raw_id_fields = ("proposal", "parent", "author", "hidden_by")


@admin.register(CommentFlag)
class CommentFlagAdmin(admin.ModelAdmin):
    list_display = ("comment", "user", "reason", "created_at", "resolved_at")
    list_filter = ("reason",)
    raw_id_fields = ("comment", "user", "resolved_by")


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("user", "proposal", "consultation", "created_at")
    raw_id_fields = ("user", "proposal", "consultation")


@admin.register(ParticipationSettings)
class ParticipationSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "frequency", "digest_sent_at")
    raw_id_fields = ("user",)


@admin.register(ParticipationBlock)
class ParticipationBlockAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "until", "blocked_by", "lifted_at")
    raw_id_fields = ("user", "blocked_by", "lifted_by")
