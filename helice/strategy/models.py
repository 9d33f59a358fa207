"""The integrated action plan as a balanced scorecard: a plan with its vision,
axes, objectives linked by cause and effect, actions with their horizon and
steps, and key performance indicators with their measurements.

Statuses are computed, never typed: ``status.py`` holds the rules (docs/strategy.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from helice.core.models import TranslatedNameMixin
from helice.directory.models import Organization


class Translated(TranslatedNameMixin):
    """``translated("title")`` picks ``title_en`` in English when it is filled."""


class Plan(Translated, models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    period_start = models.PositiveSmallIntegerField(_("first year"), null=True, blank=True)
    period_end = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    vision_fr = models.TextField(_("vision (French)"), blank=True)
    vision_en = models.TextField(_("vision (English)"), blank=True)
    mission_fr = models.TextField(_("mission (French)"), blank=True)
    mission_en = models.TextField(_("mission (English)"), blank=True)
    values = models.JSONField(_("values"), default=list, blank=True, help_text=_('[{"fr": …, "en": …}, …]'))
    at_risk_gap = models.DecimalField(
        _("gap before “at risk”"),
        max_digits=4,
        decimal_places=2,
        default=0.10,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_(
            "Default for indicators: how far behind the expected progress (share of the way) is still on track."
        ),
    )
    off_track_gap = models.DecimalField(
        _("gap before “off track”"),
        max_digits=4,
        decimal_places=2,
        default=0.25,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    sources = models.TextField(_("sources"), blank=True)
    changed_at = models.DateTimeField(
        _("last change"),
        auto_now=True,
        help_text=_("Any change to the plan or its values (the dashboard's cache key)."),
    )

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self):
        return self.title_fr

    @property
    def title(self):
        return self.translated("title")

    @property
    def vision(self):
        return self.translated("vision")

    @property
    def mission(self):
        return self.translated("mission")


class Axis(Translated, models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="axes", verbose_name=_("plan"))
    code = models.CharField(_("code"), max_length=10)
    title_fr = models.CharField(_("title (French)"), max_length=250)
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("axis")
        verbose_name_plural = _("axes")
        ordering = ["position", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="strategy_axis_code")]

    def __str__(self):
        return f"{self.code}. {self.title_fr}"

    @property
    def title(self):
        return self.translated("title")

    @property
    def description(self):
        return self.translated("description")


class Perspective(models.TextChoices):
    STAKEHOLDERS = "stakeholders", _("Stakeholders and territory")
    PROCESSES = "processes", _("Internal processes")
    RESOURCES = "resources", _("Resources")
    LEARNING = "learning", _("Learning and growth")


class Objective(Translated, models.Model):
    axis = models.ForeignKey(Axis, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("axis"))
    code = models.CharField(_("code"), max_length=12)
    title_fr = models.CharField(_("title (French)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    perspective = models.CharField(_("perspective"), max_length=20, choices=Perspective.choices, blank=True)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["axis__position", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["axis", "code"], name="strategy_objective_code")]

    def __str__(self):
        return f"{self.code}. {self.title_fr}"

    def get_absolute_url(self):
        return reverse("strategy:objective", kwargs={"code": self.code})

    @property
    def title(self):
        return self.translated("title")

    @property
    def description(self):
        return self.translated("description")


class LinkDirection(models.TextChoices):
    REINFORCES = "reinforces", _("reinforces")
    WEAKENS = "weakens", _("weakens")


class ObjectiveLink(models.Model):
    """An arrow of the strategy map: progress on ``cause`` drives ``effect``."""

    cause = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="effects", verbose_name=_("cause"))
    effect = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="causes", verbose_name=_("effect"))
    direction = models.CharField(
        _("direction"), max_length=12, choices=LinkDirection.choices, default=LinkDirection.REINFORCES
    )
    strength = models.PositiveSmallIntegerField(
        _("strength"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text=_("1 weak, 2 medium, 3 strong."),
    )

    class Meta:
        verbose_name = _("cause-effect link")
        verbose_name_plural = _("cause-effect links")
        constraints = [
            models.UniqueConstraint(fields=["cause", "effect"], name="strategy_link_once"),
            models.CheckConstraint(condition=~models.Q(cause=models.F("effect")), name="strategy_link_not_itself"),
        ]

    def __str__(self):
        return f"{self.cause.code} → {self.effect.code}"


class Horizon(models.TextChoices):
    SHORT = "short", _("Short term")
    MEDIUM = "medium", _("Medium term")
    LONG = "long", _("Long term")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    SUSPENDED = "suspended", _("Suspended")


class Action(Translated, models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions", verbose_name=_("plan"))
    code = models.CharField(_("code"), max_length=16)
    title_fr = models.CharField(_("title (French)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    horizon = models.CharField(_("horizon"), max_length=10, choices=Horizon.choices, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    lead = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_actions",
        verbose_name=_("lead organisation"),
    )
    lead_name = models.CharField(_("lead (not in the directory)"), max_length=200, blank=True)
    partners = models.ManyToManyField(
        Organization, blank=True, related_name="partner_actions", verbose_name=_("partners")
    )
    partner_names = models.JSONField(_("partners not in the directory"), default=list, blank=True)
    objectives = models.ManyToManyField(Objective, blank=True, related_name="actions", verbose_name=_("objectives"))
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)
    budget = models.DecimalField(_("budget (€)"), max_digits=14, decimal_places=0, null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="strategy_action_code"),
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True)
                | models.Q(ends_on__isnull=True)
                | models.Q(starts_on__lte=models.F("ends_on")),
                name="strategy_action_dates_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.code}. {self.title_fr}"

    def get_absolute_url(self):
        return reverse("strategy:action", kwargs={"code": self.code})

    @property
    def title(self):
        return self.translated("title")

    @property
    def description(self):
        return self.translated("description")


class ActionStep(Translated, models.Model):
    """A step of an action as the plan writes it, for one horizon."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="steps", verbose_name=_("action"))
    horizon = models.CharField(_("horizon"), max_length=10, choices=Horizon.choices)
    text_fr = models.TextField(_("text (French)"))
    text_en = models.TextField(_("text (English)"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["position"]

    def __str__(self):
        return self.text_fr[:60]

    @property
    def text(self):
        return self.translated("text")


class Milestone(Translated, models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("action"))
    title_fr = models.CharField(_("title (French)"), max_length=250)
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on"]

    def __str__(self):
        return self.title_fr

    @property
    def title(self):
        return self.translated("title")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    RANGE = "range", _("Keep within a range")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class Indicator(Translated, models.Model):
    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("objective")
    )
    code = models.CharField(_("code"), max_length=16, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    definition_fr = models.TextField(_("definition (French)"), blank=True)
    definition_en = models.TextField(_("definition (English)"), blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    direction = models.CharField(
        _("direction of improvement"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    baseline_value = models.DecimalField(_("baseline"), max_digits=16, decimal_places=4, null=True, blank=True)
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    baseline_source = models.CharField(_("baseline source"), max_length=300, blank=True)
    target_value = models.DecimalField(_("target"), max_digits=16, decimal_places=4, null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    range_min = models.DecimalField(_("range minimum"), max_digits=16, decimal_places=4, null=True, blank=True)
    range_max = models.DecimalField(_("range maximum"), max_digits=16, decimal_places=4, null=True, blank=True)
    at_risk_gap = models.DecimalField(
        _("gap before “at risk”"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: the plan's default."),
    )
    off_track_gap = models.DecimalField(
        _("gap before “off track”"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: the plan's default."),
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.YEARLY)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_indicators",
        verbose_name=_("owner"),
    )
    source = models.CharField(_("source of the values"), max_length=300, blank=True)
    computation = models.CharField(
        _("computation"),
        max_length=60,
        blank=True,
        help_text=_("Name of a documented computation from Hélice's data; empty: entered by hand."),
    )
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["position", "code"]

    def __str__(self):
        return f"{self.code}. {self.name_fr}"

    def get_absolute_url(self):
        return reverse("strategy:indicator", kwargs={"code": self.code})

    @property
    def name(self):
        return self.translated("name")

    @property
    def definition(self):
        return self.translated("definition")

    def clean(self):
        super().clean()
        if self.direction == Direction.RANGE and (self.range_min is None or self.range_max is None):
            raise ValidationError({"range_min": _("An indicator kept within a range needs its minimum and maximum.")})
        if self.range_min is not None and self.range_max is not None and self.range_min > self.range_max:
            raise ValidationError({"range_max": _("The maximum must not be below the minimum.")})
        if self.computation:
            from .computations import parse

            try:
                parse(self.computation)
            except KeyError:
                raise ValidationError(
                    {"computation": _("Unknown computation: see docs/strategy.md for the list.")}
                ) from None


class Measurement(models.Model):
    """The value of an indicator for one period (its first day)."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("indicator")
    )
    period = models.DateField(_("period"), help_text=_("First day of the month, quarter or year measured."))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    comment = models.TextField(_("comment"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    computed = models.BooleanField(_("computed"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["indicator", "period"]
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="strategy_one_value_per_period")]

    def __str__(self):
        return f"{self.indicator.code} {self.period:%Y-%m}: {self.value}"


class ChangeRecord(models.Model):
    """Every change of a value or a status, with its author, date and before/after."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="changes", null=True, blank=True)
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="changes", null=True, blank=True)
    field = models.CharField(_("what"), max_length=60)
    period = models.DateField(_("period"), null=True, blank=True)
    before = models.CharField(_("before"), max_length=300, blank=True)
    after = models.CharField(_("after"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.field}: {self.before} → {self.after}"
