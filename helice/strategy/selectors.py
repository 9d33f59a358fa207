"""Reads of the strategy: the whole plan with every status computed in a few
queries (the dashboard, the report and the API share it)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from . import status as st
from .models import Action, Axis, Indicator, Measurement, Objective, ObjectiveLink, Plan


@dataclass
class IndicatorView:
    indicator: Indicator
    reading: st.Reading


@dataclass
class ObjectiveView:
    objective: Objective
    indicators: list[IndicatorView] = field(default_factory=list)
    rollup: st.RollUp | None = None


@dataclass
class AxisView:
    axis: Axis
    objectives: list[ObjectiveView] = field(default_factory=list)
    rollup: st.RollUp | None = None


@dataclass
class Dashboard:
    plan: Plan
    axes: list[AxisView]
    rollup: st.RollUp
    today: datetime.date

    def objective(self, code: str) -> ObjectiveView | None:
        return next((o for a in self.axes for o in a.objectives if o.objective.code == code), None)

    def indicator(self, code: str) -> IndicatorView | None:
        return next(
            (i for a in self.axes for o in a.objectives for i in o.indicators if i.indicator.code == code), None
        )

    @property
    def objective_statuses(self) -> dict[int, str]:
        return {o.objective.pk: o.rollup.status for a in self.axes for o in a.objectives}


def current_plan() -> Plan | None:
    return Plan.objects.order_by("pk").first()


def indicator_rule(indicator: Indicator, plan: Plan | None = None) -> st.IndicatorRule:
    """What the status rules need of an indicator, its thresholds defaulting to the
    plan's (``plan``: pass it when reading many indicators of one plan)."""
    plan = plan or indicator.objective.axis.plan
    return st.IndicatorRule(
        direction=indicator.direction,
        frequency=indicator.frequency,
        baseline=indicator.baseline_value,
        baseline_date=indicator.baseline_date,
        target=indicator.target_value,
        target_date=indicator.target_date,
        range_min=indicator.range_min,
        range_max=indicator.range_max,
        at_risk_gap=indicator.at_risk_gap if indicator.at_risk_gap is not None else plan.at_risk_gap,
        off_track_gap=indicator.off_track_gap if indicator.off_track_gap is not None else plan.off_track_gap,
    )


def _latest_values(plan: Plan, until: datetime.date | None) -> dict[int, list[tuple[datetime.date, Decimal]]]:
    """For each indicator of ``plan``, its latest two values (all the status rules
    need: the latest, and the previous one for the trend), in one query however
    long the series: correlated subqueries on the (indicator, period) index."""
    measurements = Measurement.objects.filter(indicator=OuterRef("pk"))
    if until:
        measurements = measurements.filter(period__lte=until)
    measurements = measurements.order_by("-period")
    rows = (
        Indicator.objects.filter(objective__axis__plan=plan)
        .annotate(
            p1=Subquery(measurements.values("period")[:1]),
            v1=Subquery(measurements.values("value")[:1]),
            p2=Subquery(measurements.values("period")[1:2]),
            v2=Subquery(measurements.values("value")[1:2]),
        )
        .values_list("pk", "p1", "v1", "p2", "v2")
    )
    values: dict[int, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    for pk, p1, v1, p2, v2 in rows:
        for period, value in ((p2, v2), (p1, v1)):
            if period is not None:
                values[pk].append((period, value if isinstance(value, Decimal) else Decimal(str(value))))
    return values


def dashboard(plan: Plan, *, today: datetime.date | None = None, until: datetime.date | None = None) -> Dashboard:
    """Every axis, objective and indicator of ``plan`` with its status, in four
    queries. ``until``: read the plan as it stood at that date (the report)."""
    today = today or timezone.localdate()
    values = _latest_values(plan, until)
    axes = []
    objectives_qs = Objective.objects.prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("position", "code"))
    )
    for axis in plan.axes.prefetch_related(Prefetch("objectives", queryset=objectives_qs)).order_by("position", "code"):
        axis_view = AxisView(axis)
        for objective in axis.objectives.all():
            view = ObjectiveView(objective)
            for indicator in objective.indicators.all():
                reading = st.read(indicator_rule(indicator, plan), values.get(indicator.pk, []), until or today)
                view.indicators.append(IndicatorView(indicator, reading))
            view.rollup = st.roll_up([(i.reading.status, i.indicator.weight) for i in view.indicators])
            axis_view.objectives.append(view)
        axis_view.rollup = st.roll_up([(o.rollup.status, o.objective.weight) for o in axis_view.objectives])
        axes.append(axis_view)
    rollup = st.roll_up([(a.rollup.status, a.axis.weight) for a in axes])
    return Dashboard(plan=plan, axes=axes, rollup=rollup, today=until or today)


def actions(plan: Plan, *, axis: str = "", horizon: str = "", status: str = "", lead: str = "") -> QuerySet[Action]:
    qs = plan.actions.select_related("lead").prefetch_related("objectives__axis", "partners")
    if axis:
        qs = qs.filter(objectives__axis__code=axis)
    if horizon:
        qs = qs.filter(horizon=horizon)
    if status:
        qs = qs.filter(status=status)
    if lead:  # the organisation leads the action or is one of its partners
        qs = qs.filter(Q(lead__slug=lead) | Q(partners__slug=lead))
    return qs.distinct().order_by("position", "code")


def links(plan: Plan) -> list[ObjectiveLink]:
    return list(ObjectiveLink.objects.filter(cause__axis__plan=plan).select_related("cause", "effect"))


def indicator_values(indicator: Indicator) -> list[Measurement]:
    return list(indicator.measurements.select_related("entered_by").order_by("period"))


DASHBOARD_CACHE_SECONDS = 300


def cached_dashboard(plan: Plan) -> Dashboard:
    """``dashboard(plan)`` for today, cached per plan version (``Plan.changed_at``,
    moved by any change: signals.py) and day (statuses depend on the date)."""
    from django.core.cache import cache

    today = timezone.localdate()
    key = f"strategy:dashboard:{plan.pk}:{plan.changed_at.timestamp() if plan.changed_at else 0}:{today.isoformat()}"
    board = cache.get(key)
    if board is None:
        board = dashboard(plan, today=today)
        cache.set(key, board, DASHBOARD_CACHE_SECONDS)
    return board
