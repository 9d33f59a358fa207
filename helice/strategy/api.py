"""Public API of the strategy: the plan with the status of each axis and objective,
its actions (the HTML list's filters, paginated), its indicators with their status
and latest value, and each indicator with every measurement.

Statuses come from ``selectors.dashboard`` (through its per-version cache, as on
the pages), so the API and the pages always agree. Numbers are JSON numbers;
dates are ISO 8601 (a period is its first day)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from helice.core.pagination import PageError, get_page

from . import selectors
from . import status as st
from .forms import ActionFilterForm
from .models import Indicator, Plan
from .templatetags.strategy import value_text

router = Router(tags=["strategy"])
MAX_PAGE_SIZE = 100
STATUS_HELP = "on_track, at_risk, off_track, overdue (the next value is late) or no_data."


class ErrorOut(Schema):
    detail: str = Field(description="A human-readable explanation, in the requested language.")


class Status(Schema):
    status: str = Field(description=STATUS_HELP)
    status_label: str = Field(description="The status in words, in the requested language.")
    score: float | None = Field(
        description="Weighted mean of the parts' scores (on track 1, at risk and overdue 0.5, off track 0)."
    )


class ObjectiveOut(Status):
    code: str
    title: str
    description: str
    perspective: str = Field(description="stakeholders, processes, resources, learning or empty.")
    weight: float
    indicators: list[str] = Field(description="Codes of the objective's indicators.")
    url: str


class AxisOut(Status):
    code: str
    title: str
    description: str
    weight: float
    objectives: list[ObjectiveOut]


class PlanOut(Status):
    slug: str
    title: str
    vision: str
    mission: str
    values: list[str]
    period_start: int | None
    period_end: int | None
    as_of: datetime.date = Field(description="The day the statuses were read for.")
    axes: list[AxisOut]
    url: str


class OrganizationRef(Schema):
    slug: str
    name: str


class ActionItem(Schema):
    code: str
    title: str
    description: str
    horizon: str = Field(description="short, medium, long or empty.")
    horizon_label: str
    status: str = Field(description="planned, in_progress, done or suspended.")
    status_label: str
    progress: int = Field(description="Per cent.")
    lead: OrganizationRef | None = Field(description="The lead organisation, when it is in the directory.")
    lead_name: str = Field(description="The lead's name when it is not in the directory.")
    partners: list[OrganizationRef]
    partner_names: list[str] = Field(description="Partners not in the directory.")
    objectives: list[str] = Field(description="Codes of the objectives served.")
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    url: str


class ActionPage(Schema):
    count: int
    items: list[ActionItem]


class ActionQuery(Schema):
    axis: str = Field("", description="Code of an axis: the actions serving one of its objectives.")
    horizon: str = Field("", description="short, medium or long.")
    status: str = Field("", description="planned, in_progress, done or suspended.")
    lead: str = Field("", description="Slug of the lead organisation.")
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class IndicatorItem(Schema):
    code: str
    name: str
    objective: str = Field(description="Code of the objective.")
    axis: str = Field(description="Code of the axis.")
    unit: str
    direction: str = Field(description="higher, lower (is better) or range (keep within).")
    frequency: str = Field(description="monthly, quarterly or yearly.")
    computed: bool = Field(description="Computed from Hélice's data rather than entered by hand.")
    baseline_value: float | None
    baseline_date: datetime.date | None
    target_value: float | None
    target_date: datetime.date | None
    range_min: float | None
    range_max: float | None
    status: str = Field(description=STATUS_HELP)
    status_label: str
    judged_status: str | None = Field(description="The status the values alone give (kept when overdue).")
    latest_value: float | None
    latest_period: datetime.date | None
    next_due: datetime.date | None = Field(description="The day after which the next value is late.")
    progress: float | None = Field(description="Share of the way from the baseline to the target reached (0-1).")
    expected: float | None = Field(description="Share of the way expected by the end of the latest period (0-1).")
    url: str


class IndicatorQuery(Schema):
    axis: str = Field("", description="Code of an axis.")
    status: str = Field("", description=STATUS_HELP)


class MeasurementOut(Schema):
    period: datetime.date = Field(description="First day of the month, quarter or year measured.")
    value: float
    comment: str
    source: str
    computed: bool


class IndicatorDetail(IndicatorItem):
    definition: str
    source: str = Field(description="Source of the values.")
    measurements: list[MeasurementOut] = Field(description="Every value, oldest first.")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _plan() -> Plan:
    plan = selectors.current_plan()
    if plan is None:
        raise HttpError(404, _("No plan has been loaded yet."))
    return plan


def _status(rollup: st.RollUp, labels: dict[str, str]) -> dict:
    return {"status": rollup.status, "status_label": labels[rollup.status], "score": _number(rollup.score)}


@router.get(
    "/plan", response={200: PlanOut, 404: ErrorOut}, summary="The plan with its statuses", url_name="strategy_plan"
)
def plan_detail(request: HttpRequest):
    """The plan: vision, mission, values, then each axis and its objectives with their status."""
    plan = _plan()
    board = selectors.cached_dashboard(plan)
    labels = st.labels()
    return {
        "slug": plan.slug,
        "title": plan.title,
        "vision": plan.vision,
        "mission": plan.mission,
        "values": [value_text(v) for v in plan.values],
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "as_of": board.today,
        "url": request.build_absolute_uri(reverse("strategy:overview")),
        **_status(board.rollup, labels),
        "axes": [
            {
                "code": a.axis.code,
                "title": a.axis.title,
                "description": a.axis.description,
                "weight": float(a.axis.weight),
                **_status(a.rollup, labels),
                "objectives": [
                    {
                        "code": o.objective.code,
                        "title": o.objective.title,
                        "description": o.objective.description,
                        "perspective": o.objective.perspective,
                        "weight": float(o.objective.weight),
                        "indicators": [i.indicator.code for i in o.indicators],
                        "url": request.build_absolute_uri(o.objective.get_absolute_url()),
                        **_status(o.rollup, labels),
                    }
                    for o in a.objectives
                ],
            }
            for a in board.axes
        ],
    }


@router.get(
    "/actions",
    response={200: ActionPage, 400: ErrorOut, 404: ErrorOut},
    summary="Actions of the plan with filters",
    url_name="strategy_actions",
)
def action_list(request: HttpRequest, filters: Query[ActionQuery]):
    """The actions, filtered as on the HTML list (axis, horizon, status, lead), in the plan's order."""
    plan = _plan()
    raw = filters.dict()
    form = ActionFilterForm({k: raw[k] for k in ("axis", "horizon", "status", "lead")})
    if not form.is_valid():
        detail = " ".join(
            _("Invalid value for “%(param)s”: %(message)s") % {"param": name, "message": " ".join(errors)}
            for name, errors in form.errors.items()
        )
        raise HttpError(400, detail)
    actions = selectors.actions(plan, **form.cleaned_data)
    try:
        page = get_page(actions, str(filters.page), filters.page_size)
    except PageError as exc:
        raise HttpError(exc.status, exc.message) from None
    return {
        "count": page.paginator.count,
        "items": [
            {
                "code": a.code,
                "title": a.title,
                "description": a.description,
                "horizon": a.horizon,
                "horizon_label": a.get_horizon_display() if a.horizon else "",
                "status": a.status,
                "status_label": a.get_status_display(),
                "progress": a.progress,
                "lead": {"slug": a.lead.slug, "name": a.lead.name} if a.lead else None,
                "lead_name": a.lead_name,
                "partners": [{"slug": p.slug, "name": p.name} for p in a.partners.all()],
                "partner_names": list(a.partner_names),
                "objectives": [o.code for o in a.objectives.all()],
                "starts_on": a.starts_on,
                "ends_on": a.ends_on,
                "url": request.build_absolute_uri(a.get_absolute_url()),
            }
            for a in page.object_list
        ],
    }


def _indicator(request: HttpRequest, view: selectors.IndicatorView, axis_code: str, labels: dict[str, str]) -> dict:
    indicator, reading = view.indicator, view.reading
    return {
        "code": indicator.code,
        "name": indicator.name,
        "objective": indicator.objective.code,
        "axis": axis_code,
        "unit": indicator.unit,
        "direction": indicator.direction,
        "frequency": indicator.frequency,
        "computed": bool(indicator.computation),
        "baseline_value": _number(indicator.baseline_value),
        "baseline_date": indicator.baseline_date,
        "target_value": _number(indicator.target_value),
        "target_date": indicator.target_date,
        "range_min": _number(indicator.range_min),
        "range_max": _number(indicator.range_max),
        "status": reading.status,
        "status_label": labels[reading.status],
        "judged_status": reading.judged_status,
        "latest_value": _number(reading.latest),
        "latest_period": reading.latest_period,
        "next_due": reading.due,
        "progress": _number(reading.progress),
        "expected": _number(reading.expected),
        "url": request.build_absolute_uri(indicator.get_absolute_url()),
    }


def _indicator_views(board: selectors.Dashboard):
    for axis_view in board.axes:
        for objective_view in axis_view.objectives:
            for view in objective_view.indicators:
                yield axis_view.axis.code, view


@router.get(
    "/indicators",
    response={200: list[IndicatorItem], 400: ErrorOut, 404: ErrorOut},
    summary="Indicators with their status and latest value",
    url_name="strategy_indicators",
)
def indicator_list(request: HttpRequest, filters: Query[IndicatorQuery]):
    """Every indicator of the plan in the plan's order, optionally of one axis or one status."""
    if filters.status and filters.status not in st.STATUSES:
        raise HttpError(
            400,
            _("Invalid value for “%(param)s”: %(message)s")
            % {"param": "status", "message": _("use one of %(values)s.") % {"values": ", ".join(st.STATUSES)}},
        )
    board = selectors.cached_dashboard(_plan())
    labels = st.labels()
    items = []
    for axis_code, view in _indicator_views(board):
        if filters.axis and axis_code != filters.axis:
            continue
        if filters.status and view.reading.status != filters.status:
            continue
        items.append(_indicator(request, view, axis_code, labels))
    return items


@router.get(
    "/indicators/{code}",
    response={200: IndicatorDetail, 404: ErrorOut},
    summary="One indicator with every measurement",
    url_name="strategy_indicator",
)
def indicator_detail(request: HttpRequest, code: str):
    """An indicator, its status and every measured value (as on its page)."""
    board = selectors.cached_dashboard(_plan())
    found = next(((a, v) for a, v in _indicator_views(board) if v.indicator.code == code), None)
    if found is None:
        raise HttpError(404, _("No indicator of the plan has this code."))
    axis_code, view = found
    data = _indicator(request, view, axis_code, st.labels())
    indicator: Indicator = view.indicator
    data.update(
        definition=indicator.definition,
        source=indicator.source,
        measurements=[
            {
                "period": m.period,
                "value": float(m.value),
                "comment": m.comment,
                "source": m.source,
                "computed": m.computed,
            }
            for m in indicator.measurements.order_by("period")
        ],
    )
    return data
