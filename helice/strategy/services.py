"""Writes of the strategy: loading the territory's plan, entering measurements
(with their history), computing the indicators computed from Hélice's data."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from helice.core.services import TerritoryDataError
from helice.directory.models import Organization

from . import status as rules_status
from .models import (
    Action,
    ActionStep,
    Axis,
    ChangeRecord,
    Direction,
    Frequency,
    Horizon,
    Indicator,
    Measurement,
    Objective,
    ObjectiveLink,
    Perspective,
    Plan,
)
from .selectors import indicator_rule


class StrategyError(ValidationError):
    pass


def _require(user) -> None:
    if user is None or not user.has_perm("strategy.manage_plan"):
        raise PermissionDenied


# --- loading the plan of a territory ------------------------------------------------------


def _year_date(value, label: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    text = str(value)
    try:
        if len(text) == 4:
            return datetime.date(int(text), 1, 1)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise TerritoryDataError(f"{label}: “{text}” is not a year or a date (YYYY or YYYY-MM-DD).") from None


def _number(value, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TerritoryDataError(f"{label}: “{value}” is not a number.") from None


def _text(record: dict, field: str) -> str:
    return str(record.get(field) or "").strip()


@transaction.atomic
def plan_load(*, path: Path | str) -> dict[str, int]:
    """Create or update the plan described in ``<territory>/strategy/plan.yaml``
    (axes, objectives, indicators, actions with their steps, cause-effect links),
    matched by codes. Measurements entered since are kept. The first invalid
    record raises :class:`TerritoryDataError` and nothing is loaded."""
    file = Path(path) / "strategy" / "plan.yaml"
    if not file.exists():
        return {"total": 0, "created": 0, "updated": 0}
    models = (Plan, Axis, Objective, Indicator, Action, ObjectiveLink)
    before = sum(model.objects.count() for model in models)
    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    head = data.get("plan") or {}
    if not head.get("slug") or not head.get("title_fr"):
        raise TerritoryDataError(f"{file.name}: the plan needs a slug and a French title.")
    plan, _created = Plan.objects.update_or_create(
        slug=head["slug"],
        defaults={
            "title_fr": _text(head, "title_fr"),
            "title_en": _text(head, "title_en"),
            "period_start": head.get("period_start"),
            "period_end": head.get("period_end"),
            "vision_fr": _text(head, "vision_fr"),
            "vision_en": _text(head, "vision_en"),
            "mission_fr": _text(head, "mission_fr"),
            "mission_en": _text(head, "mission_en"),
            "values": [{"fr": str(v.get("fr") or ""), "en": str(v.get("en") or "")} for v in head.get("values") or []],
            "sources": _text(data, "sources"),
        },
    )
    counts = {"axes": 0, "objectives": 0, "indicators": 0, "actions": 0, "links": 0}
    objectives: dict[str, Objective] = {}
    for a_pos, axis_record in enumerate(data.get("axes") or []):
        axis, _ = Axis.objects.update_or_create(
            plan=plan,
            code=str(axis_record["code"]),
            defaults={
                "title_fr": _text(axis_record, "title_fr"),
                "title_en": _text(axis_record, "title_en"),
                "description_fr": _text(axis_record, "description_fr"),
                "description_en": _text(axis_record, "description_en"),
                "position": a_pos,
            },
        )
        counts["axes"] += 1
        for o_pos, record in enumerate(axis_record.get("objectives") or []):
            code = str(record["code"])
            if code in objectives:
                raise TerritoryDataError(f"{file.name}: objective {code} appears twice.")
            perspective = record.get("perspective") or ""
            if perspective and perspective not in Perspective.values:
                raise TerritoryDataError(f"{file.name}: objective {code}: unknown perspective {perspective}.")
            objective, _ = Objective.objects.update_or_create(
                axis=axis,
                code=code,
                defaults={
                    "title_fr": _text(record, "title_fr"),
                    "title_en": _text(record, "title_en"),
                    "description_fr": _text(record, "description_fr"),
                    "description_en": _text(record, "description_en"),
                    "perspective": perspective,
                    "position": o_pos,
                },
            )
            objectives[code] = objective
            counts["objectives"] += 1
            for i_pos, ind in enumerate(record.get("indicators") or []):
                _indicator_load(objective, ind, i_pos, f"{file.name}: indicator {ind.get('code')}")
                counts["indicators"] += 1
    for position, record in enumerate(data.get("actions") or []):
        _action_load(plan, record, position, objectives, f"{file.name}: action {record.get('code')}")
        counts["actions"] += 1
    ObjectiveLink.objects.filter(cause__axis__plan=plan).delete()
    for record in data.get("links") or []:
        label = f"{file.name}: link {record.get('cause')} → {record.get('effect')}"
        try:
            cause, effect = objectives[str(record["cause"])], objectives[str(record["effect"])]
        except KeyError:
            raise TerritoryDataError(f"{label}: unknown objective.") from None
        if cause == effect:
            raise TerritoryDataError(f"{label}: an objective cannot cause itself.")
        ObjectiveLink.objects.update_or_create(
            cause=cause,
            effect=effect,
            defaults={"direction": record.get("direction") or "reinforces", "strength": record.get("strength")},
        )
        counts["links"] += 1
    counts["total"] = 1 + sum(counts.values())  # the plan itself and its parts
    counts["created"] = max(sum(model.objects.count() for model in models) - before, 0)
    counts["updated"] = counts["total"] - counts["created"]
    return counts


def _indicator_load(objective: Objective, record: dict, position: int, label: str) -> None:
    direction = record.get("direction") or Direction.HIGHER
    frequency = record.get("frequency") or Frequency.YEARLY
    if direction not in Direction.values:
        raise TerritoryDataError(f"{label}: unknown direction {direction}.")
    if frequency not in Frequency.values:
        raise TerritoryDataError(f"{label}: unknown frequency {frequency}.")
    if record.get("computation"):
        from . import computations

        try:
            computations.parse(str(record["computation"]))
        except KeyError:
            raise TerritoryDataError(f"{label}: unknown computation {record['computation']}.") from None
    baseline = record.get("baseline") or {}
    target = record.get("target") or {}
    Indicator.objects.update_or_create(
        code=str(record["code"]),
        defaults={
            "objective": objective,
            "name_fr": _text(record, "name_fr"),
            "name_en": _text(record, "name_en"),
            "definition_fr": _text(record, "definition_fr"),
            "definition_en": _text(record, "definition_en"),
            "unit": _text(record, "unit"),
            "direction": direction,
            "frequency": frequency,
            "baseline_value": _number(baseline.get("value"), label),
            "baseline_date": _year_date(baseline.get("date"), label),
            "baseline_source": str(baseline.get("source") or "")[:300],
            "target_value": _number(target.get("value"), label),
            "target_date": _year_date(target.get("date"), label),
            "computation": _text(record, "computation"),
            "position": position,
        },
    )


def _action_load(plan: Plan, record: dict, position: int, objectives: dict, label: str) -> None:
    horizon = record.get("horizon") or ""
    if horizon and horizon not in Horizon.values:
        raise TerritoryDataError(f"{label}: unknown horizon {horizon}.")
    lead = None
    if record.get("lead"):
        lead = Organization.objects.filter(slug=record["lead"]).first()
        if lead is None:
            raise TerritoryDataError(f"{label}: unknown lead organisation {record['lead']}.")
    action, _ = Action.objects.update_or_create(
        plan=plan,
        code=str(record["code"]),
        defaults={
            "title_fr": _text(record, "title_fr"),
            "title_en": _text(record, "title_en"),
            "description_fr": _text(record, "description_fr"),
            "description_en": _text(record, "description_en"),
            "horizon": horizon,
            "lead": lead,
            "lead_name": _text(record, "lead_name"),
            "partner_names": [str(n) for n in record.get("partner_names") or []],
            "position": position,
        },
    )
    partners = list(Organization.objects.filter(slug__in=record.get("partners") or []))
    if len(partners) != len(set(record.get("partners") or [])):
        raise TerritoryDataError(f"{label}: unknown partner organisation(s).")
    action.partners.set(partners)
    try:
        action.objectives.set([objectives[str(code)] for code in record.get("objectives") or []])
    except KeyError:
        raise TerritoryDataError(f"{label}: unknown objective in {record.get('objectives')}.") from None
    action.steps.all().delete()
    steps = record.get("steps") or {}
    for horizon_code in Horizon.values:
        for step_pos, step in enumerate(steps.get(horizon_code) or []):
            ActionStep.objects.create(
                action=action,
                horizon=horizon_code,
                text_fr=str(step.get("fr") or "").strip(),
                text_en=str(step.get("en") or "").strip(),
                position=step_pos,
            )


# --- measurements ----------------------------------------------------------------------


def _as_text(value) -> str:
    """A value as staff typed it: 150, 1234.5 (no trailing zeros)."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def measurement_set(
    *, indicator: Indicator, period: datetime.date, value: Decimal, by, comment: str = "", source: str = ""
) -> Measurement | None:
    """Enter (or correct) the value of one period. The period is normalised to the
    first day of the indicator's period; every change of a value and of the
    indicator's status is recorded with its author and before/after. Returns None
    when nothing changed."""
    _require(by)
    period = rules_status.period_start(period, indicator.frequency)
    with transaction.atomic():
        Indicator.objects.select_for_update().get(pk=indicator.pk)
        before_status = indicator_reading(indicator).status
        existing = Measurement.objects.filter(indicator=indicator, period=period).first()
        if existing and existing.value == value and existing.comment == comment and existing.source == source:
            return None
        old_value = existing.value if existing else None
        measurement, _created = Measurement.objects.update_or_create(
            indicator=indicator,
            period=period,
            defaults={"value": value, "comment": comment, "source": source, "entered_by": by, "computed": False},
        )
        if old_value != value:
            ChangeRecord.objects.create(
                indicator=indicator,
                field="value",
                period=period,
                before=_as_text(old_value),
                after=_as_text(value),
                note=comment,
                author=by,
            )
        after_status = indicator_reading(indicator).status
        if after_status != before_status:
            ChangeRecord.objects.create(
                indicator=indicator, field="status", period=period, before=before_status, after=after_status, author=by
            )
    return measurement


def indicator_reading(indicator: Indicator, today: datetime.date | None = None) -> rules_status.Reading:
    from django.utils import timezone

    # The rules read the latest value and the one before (the trend): two rows, however
    # long the series (an import of thousands of values reads it twice per value).
    values = list(
        Measurement.objects.filter(indicator=indicator).order_by("-period").values_list("period", "value")[:2]
    )
    return rules_status.read(indicator_rule(indicator), values, today or timezone.localdate())


# --- computed indicators -------------------------------------------------------------------


def _store_computed(indicator: Indicator, period: datetime.date, value: Decimal) -> bool:
    """Store a computed value; True when it changed (history kept like a manual one)."""
    existing = Measurement.objects.filter(indicator=indicator, period=period).first()
    if existing is not None and existing.value == value:
        return False
    before_status = indicator_reading(indicator).status
    Measurement.objects.update_or_create(
        indicator=indicator, period=period, defaults={"value": value, "computed": True, "entered_by": None}
    )
    ChangeRecord.objects.create(
        indicator=indicator,
        field="value",
        period=period,
        before=_as_text(existing.value if existing else None),
        after=_as_text(value),
        note="computed",
    )
    after_status = indicator_reading(indicator).status
    if after_status != before_status:
        ChangeRecord.objects.create(
            indicator=indicator, field="status", period=period, before=before_status, after=after_status
        )
    return True


def indicators_compute(
    *, today: datetime.date | None = None, since: datetime.date | None = None, dry_run: bool = False
):
    """Compute every computed indicator for each complete period from ``since``
    (default: the indicator's baseline date, else the last two years) to the last
    period that has ended. Returns [(indicator, period, value, changed)]."""
    from django.utils import timezone

    from . import computations

    today = today or timezone.localdate()
    done = []
    for indicator in Indicator.objects.exclude(computation="").select_related("objective__axis__plan"):
        try:
            computations.parse(indicator.computation)
        except KeyError:
            raise StrategyError(
                _("Indicator %(code)s names an unknown computation “%(name)s”.")
                % {"code": indicator.code, "name": indicator.computation}
            ) from None
        start = since or indicator.baseline_date or rules_status.add_months(today, -24)
        period = rules_status.period_start(start, indicator.frequency)
        with transaction.atomic():
            while rules_status.period_end(period, indicator.frequency) < today:
                end = rules_status.period_end(period, indicator.frequency)
                value = computations.value(indicator.computation, period, end)
                changed = False if dry_run else _store_computed(indicator, period, value)
                done.append((indicator, period, value, changed))
                period = rules_status.add_months(period, rules_status.MONTHS[indicator.frequency])
    return done


# --- editing the plan in the site --------------------------------------------------------


def _shown(value) -> str:
    if isinstance(value, Decimal):
        return _as_text(value)
    return str(value if value is not None else "")[:300]


def _record_changes(instance, before: dict, *, by, indicator=None, action=None) -> int:
    count = 0
    for field, old in before.items():
        new = getattr(instance, field)
        if _shown(old) != _shown(new):
            ChangeRecord.objects.create(
                indicator=indicator,
                action=action,
                field=field,
                before=_shown(old),
                after=_shown(new),
                author=by,
            )
            count += 1
    return count


def action_update(*, action: Action, by, data: dict) -> int:
    """Update an action (status, progress, dates…); each changed field is recorded
    with its author and before/after. Returns how many fields changed."""
    _require(by)
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        before = {field: getattr(locked, field) for field in data}
        for field, value in data.items():
            setattr(locked, field, value)
        locked.full_clean()
        locked.save()
        return _record_changes(locked, before, by=by, action=locked)


def indicator_update(*, indicator: Indicator, by, data: dict) -> int:
    """Update an indicator's definition, baseline, target or thresholds; each changed
    field is recorded, and so is a change of status it causes."""
    _require(by)
    with transaction.atomic():
        locked = Indicator.objects.select_for_update().select_related("objective__axis__plan").get(pk=indicator.pk)
        before_status = indicator_reading(locked).status
        before = {field: getattr(locked, field) for field in data}
        for field, value in data.items():
            setattr(locked, field, value)
        locked.full_clean()
        locked.save()
        count = _record_changes(locked, before, by=by, indicator=locked)
        after_status = indicator_reading(locked).status
        if after_status != before_status:
            ChangeRecord.objects.create(
                indicator=locked, field="status", before=before_status, after=after_status, author=by
            )
        return count
