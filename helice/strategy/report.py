"""The evaluation report of the plan for a chosen period (docs/strategy.md, "Report").

``build(plan, start, end)`` gathers what the report page and its PDF show:

- every status as the plan stood at the end of the period (``selectors.dashboard``
  with ``until``; a period ending in the future is read as of today);
- each indicator's value at the start and at the end of the period and the trend
  between them (up, down or stable, and whether that is better or worse);
- the actions done in the period, and the actions late at its end: ended before it
  and not done, or with a milestone due in the period and not done.

Pure reads, no writes; tested in tests/test_report.py on a hand-made plan.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from . import selectors
from . import status as st
from .models import Action, ActionStatus, ChangeRecord, Direction, Indicator, Measurement, Milestone, Plan

UP, DOWN, STABLE = "up", "down", "stable"
BETTER, WORSE, SAME = "better", "worse", "same"

Point = tuple[datetime.date, Decimal]


@dataclass
class IndicatorLine:
    indicator: Indicator
    reading: st.Reading  # the status at the end of the period
    start: Point | None  # the value in force at the start (or the first one measured in the period)
    end: Point | None  # the latest value measured by the end
    trend: str | None  # up | down | stable; None without two distinct values
    verdict: str | None  # better | worse | same, by the indicator's direction of improvement
    points: list[Point] = field(default_factory=list)  # from the start value to the end value, for the chart


@dataclass
class ObjectiveLine:
    objective: object
    rollup: st.RollUp
    indicators: list[IndicatorLine] = field(default_factory=list)


@dataclass
class AxisLine:
    axis: object
    rollup: st.RollUp  # its ``counts`` are its objectives' statuses
    objectives: list[ObjectiveLine] = field(default_factory=list)

    @property
    def objective_counts(self) -> list[tuple[str, int]]:
        """How many of its objectives have each status, in the order of ``status.STATUSES``."""
        return [(s, self.rollup.counts.get(s, 0)) for s in st.STATUSES]


@dataclass
class DoneAction:
    action: Action
    done_on: datetime.date


@dataclass
class LateAction:
    action: Action
    ended_on: datetime.date | None  # its end date, when it passed without the action done
    milestones: list[Milestone] = field(default_factory=list)  # due in the period and not done


@dataclass
class Report:
    plan: Plan
    start: datetime.date
    end: datetime.date
    as_of: datetime.date  # the date statuses are read at: the end, or today when the end is to come
    rollup: st.RollUp
    axes: list[AxisLine]
    indicator_counts: dict[str, int]
    done: list[DoneAction]
    late: list[LateAction]
    milestones_reached: list[Milestone]

    @property
    def indicator_count_list(self) -> list[tuple[str, int]]:
        return [(s, self.indicator_counts.get(s, 0)) for s in st.STATUSES]

    @property
    def indicators(self) -> list[IndicatorLine]:
        return [i for a in self.axes for o in a.objectives for i in o.indicators]


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last 12 months, today included."""
    today = today or timezone.localdate()
    return st.add_months(today, -12) + datetime.timedelta(days=1), today


def values_at(points: list[Point], start: datetime.date, end: datetime.date) -> tuple[Point | None, Point | None]:
    """(value at the start, value at the end) of a series sorted by period.

    At the start: the value in force when the period began, that is the latest one
    measured for a period beginning before the start (a report on 2023 starts from
    the 2022 value of a yearly indicator), or, when there is none, the first value
    measured in the period. At the end: the latest value measured for a period
    beginning on or before the end (the value the status at the end is read from)."""
    before = [p for p in points if p[0] < start]
    within = [p for p in points if start <= p[0] <= end]
    first = before[-1] if before else (within[0] if within else None)
    last = within[-1] if within else first
    return first, last


def _distance(value: Decimal, indicator: Indicator) -> Decimal:
    """How far outside its range a value is (0 inside)."""
    low = indicator.range_min if indicator.range_min is not None else value
    high = indicator.range_max if indicator.range_max is not None else value
    return max(low - value, value - high, Decimal(0))


def trend(indicator: Indicator, first: Point | None, last: Point | None) -> tuple[str | None, str | None]:
    """(up | down | stable, better | worse | same) from the value at the start to the
    value at the end; (None, None) without two values of different periods."""
    if first is None or last is None or first[0] == last[0]:
        return None, None
    a, b = first[1], last[1]
    direction = UP if b > a else DOWN if b < a else STABLE
    if indicator.direction == Direction.RANGE:
        gap_a, gap_b = _distance(a, indicator), _distance(b, indicator)
        verdict = BETTER if gap_b < gap_a else WORSE if gap_b > gap_a else SAME
    elif direction == STABLE:
        verdict = SAME
    else:
        verdict = BETTER if (direction == UP) == (indicator.direction == Direction.HIGHER) else WORSE
    return direction, verdict


def _done_dates(plan: Plan) -> dict[int, datetime.date]:
    """When each action was last marked done, from the history of changes."""
    dates: dict[int, datetime.date] = {}
    records = ChangeRecord.objects.filter(action__plan=plan, field="status", after=ActionStatus.DONE).order_by("at")
    for action_id, at in records.values_list("action_id", "at"):
        dates[action_id] = timezone.localdate(at)
    return dates


def _actions(plan: Plan, start: datetime.date, end: datetime.date, as_of: datetime.date):
    """(done in the period, late at its end, milestones reached in the period).

    An action's done date is the date the history records it marked done, or else
    its end date. Done in the period: done, on a date in the period. Late: its end
    date passed (before ``as_of``) and it was not done by the end of the period, or
    one of its milestones due in the period (before ``as_of``) was not done by then."""
    recorded = _done_dates(plan)
    done, late, reached = [], [], []
    actions = plan.actions.prefetch_related("milestones").order_by("position", "code")
    for action in actions:
        done_on = recorded.get(action.pk, action.ends_on) if action.status == ActionStatus.DONE else None
        done_by_end = done_on is not None and done_on <= end
        if done_on is not None and start <= done_on <= end:
            done.append(DoneAction(action, done_on))
        ended = action.ends_on if action.ends_on and action.ends_on < as_of and not done_by_end else None
        missed = []
        for milestone in action.milestones.all():
            if milestone.done_on and start <= milestone.done_on <= end:
                reached.append(milestone)
            if (
                start <= milestone.due_on <= end
                and milestone.due_on < as_of
                and (milestone.done_on is None or milestone.done_on > end)
            ):
                missed.append(milestone)
        if ended or missed:
            late.append(LateAction(action, ended, missed))
    reached.sort(key=lambda m: (m.done_on, m.action.code))
    done.sort(key=lambda d: (d.done_on, d.action.code))
    return done, late, reached


def build(plan: Plan, start: datetime.date, end: datetime.date, *, today: datetime.date | None = None) -> Report:
    """The report of ``plan`` from ``start`` to ``end`` (both included)."""
    if start > end:
        raise ValueError("start after end")
    today = today or timezone.localdate()
    as_of = min(end, today)
    board = selectors.dashboard(plan, today=today, until=as_of)
    series: dict[int, list[Point]] = defaultdict(list)
    measurements = Measurement.objects.filter(indicator__objective__axis__plan=plan, period__lte=end)
    for indicator_id, period, value in measurements.order_by("period").values_list("indicator_id", "period", "value"):
        series[indicator_id].append((period, value))
    axes = []
    indicator_counts = dict.fromkeys(st.STATUSES, 0)
    for axis_view in board.axes:
        axis_line = AxisLine(axis_view.axis, axis_view.rollup)
        for objective_view in axis_view.objectives:
            objective_line = ObjectiveLine(objective_view.objective, objective_view.rollup)
            for item in objective_view.indicators:
                points = series.get(item.indicator.pk, [])
                first, last = values_at(points, start, end)
                direction, verdict = trend(item.indicator, first, last)
                shown = [p for p in points if first and last and first[0] <= p[0] <= last[0]]
                objective_line.indicators.append(
                    IndicatorLine(item.indicator, item.reading, first, last, direction, verdict, shown)
                )
                indicator_counts[item.reading.status] += 1
            axis_line.objectives.append(objective_line)
        axes.append(axis_line)
    done, late, reached = _actions(plan, start, end, as_of)
    return Report(
        plan=plan,
        start=start,
        end=end,
        as_of=as_of,
        rollup=board.rollup,
        axes=axes,
        indicator_counts=indicator_counts,
        done=done,
        late=late,
        milestones_reached=reached,
    )


SPARK_W, SPARK_H, SPARK_PAD = 120, 32, 3


def sparkline(points: list[Point], label: str) -> SafeString:
    """A small line of the values (at least two), with its text alternative; the
    report gives the values at the start and the end in words beside it. Colours
    are presentation attributes, so that WeasyPrint draws it as the browser does."""
    if len(points) < 2:
        return mark_safe("")
    values = [v for _, v in points]
    low, high = min(values), max(values)
    span = (high - low) or Decimal(1)
    first, last = points[0][0], points[-1][0]
    days = max((last - first).days, 1)

    def xy(day: datetime.date, value: Decimal) -> str:
        x = SPARK_PAD + (SPARK_W - 2 * SPARK_PAD) * (day - first).days / days
        y = SPARK_PAD + float((SPARK_H - 2 * SPARK_PAD) * (1 - (value - low) / span))
        if high == low:
            y = SPARK_H / 2
        return f"{x:.1f},{y:.1f}"

    line = " ".join(xy(d, v) for d, v in points)
    end_x, end_y = xy(*points[-1]).split(",")
    return format_html(
        '<svg class="sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{label}"'
        ' focusable="false"><title>{label}</title>'
        '<polyline points="{line}" fill="none" stroke="#17408b" stroke-width="2"/>'
        '<circle cx="{x}" cy="{y}" r="2.5" fill="#17408b"/></svg>',
        w=SPARK_W,
        h=SPARK_H,
        label=label,
        line=line,
        x=end_x,
        y=end_y,
    )
