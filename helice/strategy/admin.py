"""The plan in the admin: strategy managers edit axes, objectives, actions and
indicators here; values are entered in the site's grid (history kept)."""

from django.contrib import admin

from .models import Action, ActionStep, Axis, ChangeRecord, Indicator, Milestone, Objective, ObjectiveLink, Plan


class AxisInline(admin.TabularInline):
    model = Axis
    extra = 0
    fields = ("code", "title_fr", "title_en", "weight", "position")


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("title_fr", "period_start", "period_end")
    inlines = [AxisInline]


class ObjectiveInline(admin.TabularInline):
    model = Objective
    extra = 0
    fields = ("code", "title_fr", "perspective", "weight", "position")


@admin.register(Axis)
class AxisAdmin(admin.ModelAdmin):
    list_display = ("code", "title_fr", "plan", "weight")
    inlines = [ObjectiveInline]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ("code", "name_fr", "unit", "direction", "frequency", "weight")
    show_change_link = True


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ("code", "title_fr", "axis", "perspective")
    list_filter = ("axis", "perspective")
    inlines = [IndicatorInline]


@admin.register(ObjectiveLink)
class ObjectiveLinkAdmin(admin.ModelAdmin):
    list_display = ("cause", "effect", "direction", "strength")


class StepInline(admin.TabularInline):
    model = ActionStep
    extra = 0


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ("code", "title_fr", "horizon", "status", "progress", "lead")
    list_filter = ("horizon", "status")
    search_fields = ("code", "title_fr", "title_en")
    autocomplete_fields = ("lead", "partners")
    filter_horizontal = ("objectives",)
    inlines = [StepInline, MilestoneInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "objective", "direction", "frequency", "computation")
    list_filter = ("direction", "frequency")
    search_fields = ("code", "name_fr", "name_en")


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    list_display = ("at", "indicator", "action", "field", "period", "before", "after", "author")
    readonly_fields = [f.name for f in ChangeRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
