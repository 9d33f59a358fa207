"""The status and roll-up rules on hand-made cases (docs/strategy.md)."""

import datetime
from decimal import Decimal as D

import pytest

from helice.strategy import status as s
from helice.strategy.status import AT_RISK, NO_DATA, OFF_TRACK, ON_TRACK, OVERDUE, IndicatorRule

Y = datetime.date


def rule(**kwargs):
    base = {
        "direction": "higher",
        "frequency": "yearly",
        "baseline": D(100),
        "baseline_date": Y(2020, 1, 1),
        "target": D(200),
        "target_date": Y(2030, 1, 1),
    }
    base.update(kwargs)
    return IndicatorRule(**base)


def test_periods():
    assert s.period_start(Y(2026, 5, 17), "quarterly") == Y(2026, 4, 1)
    assert s.period_end(Y(2026, 4, 1), "quarterly") == Y(2026, 6, 30)
    assert s.period_end(Y(2024, 2, 1), "monthly") == Y(2024, 2, 29)
    assert s.add_months(Y(2026, 1, 31), 1) == Y(2026, 2, 28)
    # The value for 2025 is in; 2026's is due at the end of 2026 plus 90 days.
    assert s.due_date(Y(2025, 1, 1), "yearly") == Y(2027, 3, 31)
    assert s.due_date(Y(2026, 9, 1), "monthly") == Y(2026, 11, 20)


@pytest.mark.parametrize(
    "value,expected_status",
    [
        (D(150), ON_TRACK),  # half-way at the end of 2024 (expected 50 %): on track
        (D(142), ON_TRACK),  # 42 %: 8 points behind, within the 10-point tolerance
        (D(135), AT_RISK),  # 35 %: 15 behind
        (D(120), OFF_TRACK),  # 20 %: 30 behind
        (D(260), ON_TRACK),  # beyond the target
    ],
)
def test_higher_is_better_against_the_expected_progress(value, expected_status):
    # End of the 2024 period: 2024-12-31, so 5 of 10 years elapsed (expected ≈ 0.5).
    status, progress, expected = s.judge(rule(), [(Y(2024, 1, 1), value)])
    assert status == expected_status
    assert expected == pytest.approx(D("0.5"), abs=D("0.001"))
    assert progress == (value - 100) / 100


def test_lower_is_better():
    lower = rule(direction="lower", baseline=D(40), target=D(20))
    assert s.judge(lower, [(Y(2024, 1, 1), D(30))])[0] == ON_TRACK  # half-way down
    assert s.judge(lower, [(Y(2024, 1, 1), D(45))])[0] == OFF_TRACK  # worse than the baseline
    assert s.judge(lower, [(Y(2024, 1, 1), D(33))])[0] == AT_RISK  # 35 % of the way


def test_keep_within_a_range():
    band = rule(direction="range", range_min=D(10), range_max=D(20))
    assert s.judge(band, [(Y(2024, 1, 1), D(15))])[0] == ON_TRACK
    assert s.judge(band, [(Y(2024, 1, 1), D(21))])[0] == AT_RISK  # 1 outside a width of 10: 10 %
    assert s.judge(band, [(Y(2024, 1, 1), D(25))])[0] == OFF_TRACK
    assert s.judge(rule(direction="range"), [(Y(2024, 1, 1), D(15))])[0] == NO_DATA  # no bounds


def test_thresholds_per_indicator():
    strict = rule(at_risk_gap=D("0.02"), off_track_gap=D("0.05"))
    assert s.judge(strict, [(Y(2024, 1, 1), D(146))])[0] == AT_RISK
    lenient = rule(at_risk_gap=D("0.40"), off_track_gap=D("0.60"))
    assert s.judge(lenient, [(Y(2024, 1, 1), D(120))])[0] == ON_TRACK


def test_without_a_target_the_trend_decides():
    trend = rule(target=None, target_date=None)
    assert s.judge(trend, [(Y(2023, 1, 1), D(100)), (Y(2024, 1, 1), D(101))])[0] == ON_TRACK
    assert s.judge(trend, [(Y(2023, 1, 1), D(100)), (Y(2024, 1, 1), D(90))])[0] == AT_RISK
    assert s.judge(trend, [(Y(2023, 1, 1), D(100)), (Y(2024, 1, 1), D(60))])[0] == OFF_TRACK
    assert s.judge(trend, [(Y(2024, 1, 1), D(120))])[0] == ON_TRACK  # against the baseline
    assert s.judge(rule(target=None, baseline=None), [(Y(2024, 1, 1), D(5))])[0] == NO_DATA


def test_target_equal_to_the_baseline():
    flat = rule(target=D(100))
    assert s.judge(flat, [(Y(2024, 1, 1), D(100))])[0] == ON_TRACK
    assert s.judge(flat, [(Y(2024, 1, 1), D(99))])[0] == OFF_TRACK


def test_missing_periods_use_the_latest_value_and_order_does_not_matter():
    values = [(Y(2024, 1, 1), D(150)), (Y(2021, 1, 1), D(110))]  # 2022 and 2023 missing
    assert s.judge(rule(), values)[0] == ON_TRACK


def test_no_value_is_no_data():
    reading = s.read(rule(), [], Y(2026, 1, 1))
    assert reading.status == NO_DATA and reading.latest is None


def test_a_late_update_shows_as_overdue_never_silently_green():
    values = [(Y(2024, 1, 1), D(150))]  # on track by its values
    assert s.read(rule(), values, Y(2026, 3, 31)).status == ON_TRACK  # 2025's value due by 2026-03-31
    late = s.read(rule(), values, Y(2026, 4, 1))
    assert late.status == OVERDUE and late.judged_status == ON_TRACK and late.due == Y(2026, 3, 31)
    monthly = rule(frequency="monthly")
    assert s.read(monthly, [(Y(2026, 9, 1), D(150))], Y(2026, 11, 21)).status == OVERDUE


def test_roll_up_with_weights():
    assert s.roll_up([(ON_TRACK, D(1)), (ON_TRACK, D(1))]).status == ON_TRACK
    assert s.roll_up([(ON_TRACK, D(1)), (OFF_TRACK, D(1))]).status == AT_RISK  # 0.5
    assert s.roll_up([(ON_TRACK, D(3)), (OFF_TRACK, D(1))]).status == ON_TRACK  # 0.75
    assert s.roll_up([(ON_TRACK, D(1)), (OFF_TRACK, D(3))]).status == OFF_TRACK  # 0.25
    assert s.roll_up([(AT_RISK, D(1)), (ON_TRACK, D(1))]).score == D("0.75")


def test_roll_up_edges():
    # (0.5 × 1 + 0 × 0.5) / 1.5 = 0.333: off track
    assert s.roll_up([(AT_RISK, D(1)), (OFF_TRACK, D("0.5"))]).status == OFF_TRACK
    # No data is left out; only no data gives no data.
    assert s.roll_up([(NO_DATA, D(1)), (ON_TRACK, D(1))]).status == ON_TRACK
    assert s.roll_up([(NO_DATA, D(1))]).status == NO_DATA
    assert s.roll_up([]).status == NO_DATA
    # Overdue counts as at risk: a whole of overdue parts is never green.
    assert s.roll_up([(OVERDUE, D(1)), (OVERDUE, D(1))]).status == AT_RISK
    # A zero weight does not count.
    assert s.roll_up([(OFF_TRACK, D(0)), (ON_TRACK, D(1))]).status == ON_TRACK
    counts = s.roll_up([(ON_TRACK, D(1)), (OVERDUE, D(1)), (NO_DATA, D(1))]).counts
    assert (counts[ON_TRACK], counts[OVERDUE], counts[NO_DATA]) == (1, 1, 1)
