"""The status rules of indicators and their roll-up (docs/strategy.md, tested in
tests/test_status.py). Pure functions over plain values: the pages, the API, the
report and the tests all call these.

Indicator statuses: ``on_track``, ``at_risk``, ``off_track``, ``no_data``,
``overdue``. An objective, an axis and the plan take a status from their parts'
weighted scores (on track 1, at risk ½, off track 0; an overdue indicator counts
as at risk: it is never silently green)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA, OVERDUE = "on_track", "at_risk", "off_track", "no_data", "overdue"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, OVERDUE, NO_DATA)
SCORES = {ON_TRACK: Decimal(1), AT_RISK: Decimal("0.5"), OFF_TRACK: Decimal(0), OVERDUE: Decimal("0.5")}
ON_TRACK_SCORE, AT_RISK_SCORE = Decimal("0.75"), Decimal("0.4")
MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
# Days after the end of the period that should have been measured next before an
# indicator shows as overdue.
GRACE_DAYS = {"monthly": 20, "quarterly": 45, "yearly": 90}


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_start(day: datetime.date, frequency: str) -> datetime.date:
    """The first day of the period containing ``day``."""
    if frequency == "yearly":
        return datetime.date(day.year, 1, 1)
    if frequency == "quarterly":
        return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return datetime.date(day.year, day.month, 1)


def period_end(start: datetime.date, frequency: str) -> datetime.date:
    """The last day of the period starting on ``start``."""
    return add_months(start, MONTHS[frequency]) - datetime.timedelta(days=1)


def due_date(last_period: datetime.date, frequency: str) -> datetime.date:
    """The date after which the next period's value is late: the end of the period
    after the last one measured, plus the grace days of the frequency."""
    following = add_months(last_period, MONTHS[frequency])
    return period_end(following, frequency) + datetime.timedelta(days=GRACE_DAYS[frequency])


@dataclass(frozen=True)
class IndicatorRule:
    """What the rules need of an indicator."""

    direction: str  # higher | lower | range
    frequency: str = "yearly"
    baseline: Decimal | None = None
    baseline_date: datetime.date | None = None
    target: Decimal | None = None
    target_date: datetime.date | None = None
    range_min: Decimal | None = None
    range_max: Decimal | None = None
    at_risk_gap: Decimal = Decimal("0.10")
    off_track_gap: Decimal = Decimal("0.25")


@dataclass(frozen=True)
class Reading:
    status: str
    latest: Decimal | None = None
    latest_period: datetime.date | None = None
    progress: Decimal | None = None  # share of the way from baseline to target reached
    expected: Decimal | None = None  # share of the way expected by the latest period's end
    due: datetime.date | None = None  # when the next value is due
    judged_status: str | None = None  # the status the values alone give (an overdue one keeps it for information)

    @property
    def progress_percent(self) -> int | None:
        return None if self.progress is None else round(self.progress * 100)

    @property
    def expected_percent(self) -> int | None:
        return None if self.expected is None else round(self.expected * 100)


def _by_gap(gap: Decimal, rule: IndicatorRule) -> str:
    if gap <= rule.at_risk_gap:
        return ON_TRACK
    if gap <= rule.off_track_gap:
        return AT_RISK
    return OFF_TRACK


def _improvement(value: Decimal, reference: Decimal, direction: str) -> Decimal:
    """How much better ``value`` is than ``reference`` (negative when worse)."""
    return value - reference if direction == "higher" else reference - value


def judge(
    rule: IndicatorRule, measurements: list[tuple[datetime.date, Decimal]]
) -> tuple[str, Decimal | None, Decimal | None]:
    """The status the values give, ignoring lateness: (status, progress, expected).

    - *Range*: inside [min, max] is on track; outside by up to ``at_risk_gap`` of the
      range's width is at risk; further is off track.
    - *Target and baseline known*: progress = the share of the way from baseline to
      target reached by the latest value; expected = the share of the time from the
      baseline date to the target date elapsed at the end of the latest period. The
      gap (expected − progress) decides: ≤ ``at_risk_gap`` on track, ≤ ``off_track_gap``
      at risk, beyond off track. A target equal to the baseline is on track when the
      latest value is at least as good.
    - *No target*: the trend decides, against the previous value (or the baseline):
      as good or better is on track; worse by up to ``off_track_gap`` of the previous
      value is at risk; worse still is off track.
    """
    if not measurements:
        return NO_DATA, None, None
    measurements = sorted(measurements)
    last_period, latest = measurements[-1]
    if rule.direction == "range":
        if rule.range_min is None or rule.range_max is None:
            return NO_DATA, None, None
        width = max(rule.range_max - rule.range_min, Decimal("1e-9"))
        outside = max(rule.range_min - latest, latest - rule.range_max, Decimal(0))
        if outside == 0:
            return ON_TRACK, None, None
        return (AT_RISK if outside / width <= rule.at_risk_gap else OFF_TRACK), None, None
    if rule.target is not None and rule.baseline is not None:
        way = _improvement(rule.target, rule.baseline, rule.direction)
        if way <= 0:
            return (ON_TRACK if _improvement(latest, rule.target, rule.direction) >= 0 else OFF_TRACK), None, None
        progress = _improvement(latest, rule.baseline, rule.direction) / way
        expected = Decimal(1)
        if rule.baseline_date and rule.target_date and rule.target_date > rule.baseline_date:
            elapsed = (period_end(last_period, rule.frequency) - rule.baseline_date).days
            total = (rule.target_date - rule.baseline_date).days
            expected = min(max(Decimal(elapsed) / Decimal(total), Decimal(0)), Decimal(1))
        return _by_gap(expected - progress, rule), progress, expected
    reference = measurements[-2][1] if len(measurements) > 1 else rule.baseline
    if reference is None:
        return NO_DATA, None, None
    change = _improvement(latest, reference, rule.direction)
    if change >= 0:
        return ON_TRACK, None, None
    relative = -change / abs(reference) if reference else Decimal(1)
    return (AT_RISK if relative <= rule.off_track_gap else OFF_TRACK), None, None


def read(rule: IndicatorRule, measurements: list[tuple[datetime.date, Decimal]], today: datetime.date) -> Reading:
    """The indicator's status today: ``judge``'s, unless the next value is past due
    (then ``overdue``, the judged status kept for information)."""
    status, progress, expected = judge(rule, measurements)
    if not measurements:
        return Reading(status=NO_DATA)
    last_period, latest = max(measurements)
    due = due_date(last_period, rule.frequency)
    shown = OVERDUE if today > due else status
    return Reading(
        status=shown,
        latest=latest,
        latest_period=last_period,
        progress=progress,
        expected=expected,
        due=due,
        judged_status=status,
    )


@dataclass(frozen=True)
class RollUp:
    status: str
    score: Decimal | None
    counts: dict[str, int]


def roll_up(parts: list[tuple[str, Decimal]]) -> RollUp:
    """The status of a whole from its parts' (status, weight): the weighted mean of
    the parts' scores (no-data parts and zero weights left out); ≥ 0.75 on track,
    ≥ 0.4 at risk, below off track; no scored part gives no data."""
    counts = dict.fromkeys(STATUSES, 0)
    total = weights = Decimal(0)
    for status, weight in parts:
        counts[status] = counts.get(status, 0) + 1
        if status in SCORES and weight > 0:
            total += SCORES[status] * weight
            weights += weight
    if weights == 0:
        return RollUp(NO_DATA, None, counts)
    score = total / weights
    status = ON_TRACK if score >= ON_TRACK_SCORE else AT_RISK if score >= AT_RISK_SCORE else OFF_TRACK
    return RollUp(status, score, counts)


def labels() -> dict[str, str]:
    """Each status in words, in the active language: every page, the report, the
    API and the template tags show these (never the colour alone)."""
    from django.utils.translation import gettext as _

    return {
        ON_TRACK: _("On track"),
        AT_RISK: _("At risk"),
        OFF_TRACK: _("Off track"),
        OVERDUE: _("Update overdue"),
        NO_DATA: _("No data"),
    }
