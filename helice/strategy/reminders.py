"""Reminders to the owners of indicators whose next value is due (cron:
``manage.py remind_indicator_owners``, docs/strategy.md).

An indicator entered by hand (no computation) with an owner (``Indicator.owner``,
an active person with an address) is due when its next value is late
(``status.read``'s due date has passed) or will be within ``days`` days. An
indicator with no value yet is due from its baseline date when it has one
(``status.due_date`` of the baseline's period), and at once otherwise. Each owner
gets one mail listing their indicators due."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from helice.core import mail

from . import selectors
from . import status as st
from .imports import period_text
from .models import Indicator, Plan

DEFAULT_DAYS = 14
TEMPLATE = "strategy/email/indicators_due"


@dataclass(frozen=True)
class DueIndicator:
    indicator: Indicator
    due: datetime.date | None  # None: no value yet and no baseline to count from
    period: datetime.date | None  # the period whose value is awaited (None: the first one)
    overdue: bool  # the due date has passed (the dashboard shows "update overdue")

    @property
    def period_label(self) -> str:
        """The period awaited as the import reads it: 2025 (a year) or 2026-01 (a month or quarter)."""
        return "" if self.period is None else period_text(self.period, self.indicator.frequency)


def _due(indicator: Indicator, reading: st.Reading) -> tuple[datetime.date | None, datetime.date | None]:
    """(due date, period awaited) of the indicator's next value."""
    months = st.MONTHS[indicator.frequency]
    if reading.latest_period is not None:
        return reading.due, st.add_months(reading.latest_period, months)
    if indicator.baseline_date is not None:
        start = st.period_start(indicator.baseline_date, indicator.frequency)
        return st.due_date(start, indicator.frequency), st.add_months(start, months)
    return None, None


def indicators_due(*, today: datetime.date | None = None, days: int = DEFAULT_DAYS) -> list[tuple[object, list]]:
    """[(owner, [DueIndicator, …])] for every owner with an indicator due, owners and
    their indicators in a stable order (statuses read by ``selectors.dashboard``)."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=days)
    by_owner: dict[int, list[DueIndicator]] = {}
    for plan in Plan.objects.order_by("pk"):
        board = selectors.dashboard(plan, today=today)
        for axis_view in board.axes:
            for objective_view in axis_view.objectives:
                for view in objective_view.indicators:
                    indicator = view.indicator
                    if indicator.owner_id is None or indicator.computation:
                        continue
                    due, period = _due(indicator, view.reading)
                    if due is not None and due > horizon:
                        continue
                    by_owner.setdefault(indicator.owner_id, []).append(
                        DueIndicator(
                            indicator=indicator,
                            due=due,
                            period=period,
                            overdue=due is not None and due < today,
                        )
                    )
    owners = (
        get_user_model()
        .objects.filter(pk__in=by_owner, is_active=True, deleted_at__isnull=True)
        .exclude(email__isnull=True)
        .exclude(email="")
        .order_by("pk")
    )
    return [(owner, by_owner[owner.pk]) for owner in owners]


def owners_remind(*, today: datetime.date | None = None, days: int = DEFAULT_DAYS, dry_run: bool = False):
    """Mail each owner the list of their indicators due (one mail per owner, queued in
    the outbox: a mail server that is down loses nothing). Returns what
    ``indicators_due`` found; ``dry_run`` sends nothing."""
    due = indicators_due(today=today, days=days)
    if dry_run:
        return due
    for owner, items in due:
        mail.send_after_commit(
            template=TEMPLATE,
            context={"owner": owner, "items": items, "days": days},
            recipients=[owner.email],
        )
    return due
