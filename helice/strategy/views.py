"""Public pages of the plan and the staff's entry of measurements. Statuses come
from ``selectors.dashboard`` (rules in ``status.py``)."""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from helice.directory.exports import safe_cell
from helice.directory.models import Organization

from . import charts, selectors, services
from . import status as st
from .forms import ActionEditForm, ActionFilterForm, IndicatorEditForm, PeriodForm
from .models import Action, ActionStatus, Horizon, Indicator


def _plan():
    plan = selectors.current_plan()
    if plan is None:
        raise Http404(_("No plan has been loaded yet."))
    return plan


@require_GET
def overview(request):
    """The plan at a glance: vision, then each axis, its objectives and their
    indicators, each with a status in colour and in words."""
    plan = _plan()
    board = selectors.cached_dashboard(plan)
    axis_code = request.GET.get("axe", "")
    status = request.GET.get("statut", "")
    axes = [a for a in board.axes if not axis_code or a.axis.code == axis_code]
    if status in st.STATUSES:  # copies: the dashboard may come from the cache
        axes = [
            selectors.AxisView(a.axis, [o for o in a.objectives if o.rollup.status == status], a.rollup) for a in axes
        ]
    context = {
        "plan": plan,
        "board": board,
        "axes": axes,
        "all_axes": board.axes,
        "axis_code": axis_code,
        "status": status,
        "labels": st.labels(),
        "statuses": list(st.labels().items()),
    }
    context["body"] = _cached_body(
        request, plan, ("overview", axis_code, status), "strategy/_overview_body.html", context
    )
    return render(request, "strategy/overview.html", context)


def _body_key(plan, parts: tuple) -> str:
    return "strategy:body:" + ":".join(
        str(p) for p in (plan.pk, plan.changed_at.timestamp(), timezone.localdate(), get_language(), *parts)
    )


def _cached_body(request, plan, parts: tuple, template: str, context: dict) -> str:
    """A page's body, rendered once per plan version, day, language and ``parts``
    (what the address selects): it holds nothing personal (no form with a CSRF
    token, no user), so every visitor shares it."""
    key = _body_key(plan, parts)
    body = cache.get(key)
    if body is None:
        body = render_to_string(template, context, request)
        cache.set(key, body, selectors.DASHBOARD_CACHE_SECONDS)
    return body


@require_GET
def objective_detail(request, code):
    plan = _plan()
    board = selectors.cached_dashboard(plan)
    view = board.objective(code)
    if view is None:
        raise Http404(_("No objective has this code."))
    links = selectors.links(plan)
    statuses = board.objective_statuses
    return render(
        request,
        "strategy/objective.html",
        {
            "plan": plan,
            "view": view,
            "labels": st.labels(),
            "causes": [(link, statuses.get(link.cause_id)) for link in links if link.effect_id == view.objective.pk],
            "effects": [(link, statuses.get(link.effect_id)) for link in links if link.cause_id == view.objective.pk],
            "actions": view.objective.actions.select_related("lead").order_by("position", "code"),
        },
    )


@require_GET
def indicator_detail(request, code):
    plan = _plan()
    indicator = (
        Indicator.objects.filter(objective__axis__plan=plan, code=code).only("pk", "code", "name_fr", "name_en").first()
    )
    if indicator is None:
        raise Http404(_("No indicator has this code."))
    key = _body_key(plan, ("indicator", code))
    body = cache.get(key)
    if body is None:
        context = {"plan": plan, **_indicator_context(plan, code)}
        body = render_to_string("strategy/_indicator_body.html", context, request)
        cache.set(key, body, selectors.DASHBOARD_CACHE_SECONDS)
    return render(request, "strategy/indicator.html", {"plan": plan, "indicator": indicator, "body": body})


def _indicator_context(plan, code) -> dict:
    indicator = get_object_or_404(Indicator.objects.select_related("objective__axis__plan"), code=code)
    reading = services.indicator_reading(indicator)
    values = selectors.indicator_values(indicator)
    labels = st.labels()
    chart = charts.trend_svg(
        points=[(m.period, m.value) for m in values],
        baseline=indicator.baseline_value,
        target=indicator.target_value,
        title=_("Values of “%(name)s” over time") % {"name": indicator.name},
        description=_("%(count)d values from %(first)s to %(last)s; the table below gives each of them.")
        % {
            "count": len(values),
            "first": values[0].period.isoformat() if values else "",
            "last": values[-1].period.isoformat() if values else "",
        },
        labels={"baseline": _("Baseline"), "target": _("Target")},
    )
    return {
        "indicator": indicator,
        "reading": reading,
        "status_label": labels[reading.status],
        "judged_label": labels.get(reading.judged_status or "", ""),
        "values": values,
        "chart": chart,
        "changes": indicator.changes.select_related("author")[:50],
    }


@require_GET
def action_list(request):
    plan = _plan()
    form = ActionFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "strategy/actions.html", {"plan": plan, "form": form, "error": True}, status=400)
    actions = selectors.actions(plan, **form.cleaned_data)
    if request.GET.get("format") == "csv":
        return _actions_csv(actions)
    return render(
        request,
        "strategy/actions.html",
        {
            "plan": plan,
            "form": form,
            "actions": actions,
            "axes": plan.axes.order_by("position"),
            "leads": Organization.objects.filter(led_actions__plan=plan)
            .distinct()
            .order_by("name")
            .only("slug", "name"),
            "partners": Organization.objects.filter(partner_actions__plan=plan)
            .distinct()
            .order_by("name")
            .only("slug", "name"),
            "horizons": Horizon.choices,
            "action_statuses": ActionStatus.choices,
            "query": request.GET.urlencode(),
        },
    )


def _actions_csv(actions) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="helice-actions.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            "code",
            "title",
            "horizon",
            "status",
            "progress",
            "lead",
            "partners",
            "objectives",
            "starts_on",
            "ends_on",
            "budget",
        ]
    )
    for action in actions:
        writer.writerow(
            [
                action.code,
                safe_cell(action.title),
                action.horizon,
                action.status,
                action.progress,
                safe_cell(action.lead.name if action.lead else action.lead_name),
                safe_cell("; ".join([p.name for p in action.partners.all()] + list(action.partner_names))),
                " ".join(o.code for o in action.objectives.all()),
                action.starts_on or "",
                action.ends_on or "",
                action.budget if action.budget is not None else "",
            ]
        )
    return response


@require_GET
def action_detail(request, code):
    plan = _plan()
    action = get_object_or_404(
        Action.objects.select_related("lead").prefetch_related("partners", "objectives", "steps", "milestones"),
        plan=plan,
        code=code,
    )
    steps = {h: [s for s in action.steps.all() if s.horizon == h] for h, _label in Horizon.choices}
    return render(
        request,
        "strategy/action.html",
        {"plan": plan, "action": action, "steps": [(label, steps[h]) for h, label in Horizon.choices if steps[h]]},
    )


@require_GET
def values_csv(request):
    """Every measurement of the plan (open data)."""
    plan = _plan()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="helice-indicateurs.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["indicator", "name", "unit", "period", "value", "source", "comment"])
    rows = Indicator.objects.filter(objective__axis__plan=plan).order_by("code").prefetch_related("measurements")
    for indicator in rows:
        for m in indicator.measurements.all():
            writer.writerow(
                [
                    indicator.code,
                    safe_cell(indicator.name),
                    indicator.unit,
                    m.period.isoformat(),
                    m.value,
                    safe_cell(m.source),
                    safe_cell(m.comment),
                ]
            )
    return response


@require_GET
def strategy_map(request):
    plan = _plan()
    key = _body_key(plan, ("map",))
    body = cache.get(key)
    if body is None:
        board = selectors.cached_dashboard(plan)
        links = selectors.links(plan)
        for axis_view in board.axes:  # this request's copy of the dashboard
            for view in axis_view.objectives:
                view.effects = [link for link in links if link.cause_id == view.objective.pk]
        context = {"plan": plan, "board": board, "links": links, "labels": st.labels(), "layout": _map_layout(board)}
        body = render_to_string("strategy/_map_body.html", context, request)
        cache.set(key, body, selectors.DASHBOARD_CACHE_SECONDS)
    return render(request, "strategy/map.html", {"plan": plan, "body": body})


def _map_layout(board) -> dict:
    """Positions of the objectives on the map: one column per axis."""
    column_width, row_height, top = 190, 86, 40
    boxes, height = {}, 0
    for column, axis_view in enumerate(board.axes):
        for row, view in enumerate(axis_view.objectives):
            boxes[view.objective.pk] = {
                "x": 10 + column * column_width,
                "y": top + row * row_height,
                "view": view,
            }
            height = max(height, top + (row + 1) * row_height)
    return {
        "boxes": boxes,
        "width": 20 + len(board.axes) * column_width,
        "height": height + 20,
        "box_w": 170,
        "box_h": 66,
    }


# --- staff: entering a period's measurements -------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def entry(request):
    """One grid for a period: every indicator entered by hand, its current value
    for that period, a new value and a comment. Only strategy managers."""
    if not request.user.has_perm("strategy.manage_plan"):
        raise PermissionDenied
    plan = _plan()
    today = timezone.localdate()
    form = PeriodForm(request.POST or request.GET or None, initial={"period": today.replace(day=1)})
    period = form.cleaned_data["period"] if form.is_bound and form.is_valid() else today.replace(day=1)
    indicators = list(
        Indicator.objects.filter(objective__axis__plan=plan, computation="")
        .select_related("objective")
        .order_by("objective__axis__position", "position", "code")
    )
    current = {(m.indicator_id, m.period): m for m in services.Measurement.objects.filter(indicator__in=indicators)}
    rows, errors, status = [], {}, 200
    for indicator in indicators:
        start = st.period_start(period, indicator.frequency)
        rows.append({"indicator": indicator, "period": start, "measurement": current.get((indicator.pk, start))})
    if request.method == "POST" and form.is_valid():
        parsed = []
        for row in rows:
            raw = (
                request.POST.get(f"value-{row['indicator'].pk}", "")
                .strip()
                .replace(",", ".")
                .replace("\u202f", "")
                .replace(" ", "")
            )
            comment = request.POST.get(f"comment-{row['indicator'].pk}", "").strip()[:2000]
            if not raw:
                continue
            try:
                value = Decimal(raw)
                if not value.is_finite() or abs(value) >= Decimal("1e12"):
                    raise InvalidOperation
            except InvalidOperation:
                errors[row["indicator"].pk] = _("“%(value)s” is not a number.") % {"value": raw[:40]}
                continue
            parsed.append((row, value, comment))
        if errors:
            status = 400
            messages.error(request, _("Nothing was saved: correct the values marked below."))
        else:
            changed = 0
            with services.transaction.atomic():
                for row, value, comment in parsed:
                    if services.measurement_set(
                        indicator=row["indicator"], period=row["period"], value=value, by=request.user, comment=comment
                    ):
                        changed += 1
            messages.success(request, _("%(count)d value(s) saved.") % {"count": changed})
            return redirect(f"{request.path}?period={period.isoformat()}")
    for row in rows:
        row["error"] = errors.get(row["indicator"].pk)
        row["posted"] = request.POST.get(f"value-{row['indicator'].pk}", "") if request.method == "POST" else ""
    return render(
        request, "strategy/entry.html", {"plan": plan, "form": form, "rows": rows, "period": period}, status=status
    )


# --- staff: editing actions and indicators ---------------------------------------------------


def _edit(request, *, obj, form_class, update, template, done_url):
    if not request.user.has_perm("strategy.manage_plan"):
        raise PermissionDenied
    form, status = form_class(instance=obj), 200
    if request.method == "POST":
        form = form_class(request.POST, instance=type(obj).objects.get(pk=obj.pk))
        if form.is_valid():
            try:
                changed = update(by=request.user, data={f: form.cleaned_data[f] for f in form.Meta.fields})
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
            else:
                messages.success(request, _("%(count)d field(s) changed.") % {"count": changed})
                return redirect(done_url)
        else:
            status = 400
    return render(request, template, {"form": form, "obj": obj, "done_url": done_url}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, code):
    plan = _plan()
    action = get_object_or_404(Action, plan=plan, code=code)
    return _edit(
        request,
        obj=action,
        form_class=ActionEditForm,
        update=lambda **kwargs: services.action_update(action=action, **kwargs),
        template="strategy/edit.html",
        done_url=action.get_absolute_url(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, code):
    plan = _plan()
    indicator = get_object_or_404(Indicator, objective__axis__plan=plan, code=code)
    return _edit(
        request,
        obj=indicator,
        form_class=IndicatorEditForm,
        update=lambda **kwargs: services.indicator_update(indicator=indicator, **kwargs),
        template="strategy/edit.html",
        done_url=indicator.get_absolute_url(),
    )
