"""The evaluation report: its rules on a hand-made plan (statuses at the end of the
period, values at its start and end, trend, actions done and late), the page in
French and English, bad dates, and the PDF (WeasyPrint) or its 503 without it."""

import datetime
import sys
from decimal import Decimal

import pytest
from django.utils import timezone

from helice.strategy import report as rp
from helice.strategy import status as st
from helice.strategy import views_report
from helice.strategy.models import Action, ActionStatus, ChangeRecord, Indicator, Milestone

from .factories import make_plan, measure

pytestmark = pytest.mark.django_db

D = datetime.date
START, END, TODAY = D(2022, 1, 1), D(2023, 12, 31), D(2024, 6, 30)


@pytest.fixture
def plan():
    plan = make_plan()
    jobs, startups = plan["jobs"], plan["startups"]
    # Yearly, from 100 (2020) to 200 (2030), higher is better.
    for year, value in ((2021, 110), (2022, 125), (2023, 140), (2024, 90)):
        measure(jobs, D(year, 1, 1), value)
    # Monthly, no target: the trend decides.
    measure(startups, D(2023, 11, 1), 10)
    measure(startups, D(2023, 12, 1), 8)
    plan["range"] = Indicator.objects.create(
        objective=plan["o21"],
        code="2.1.2",
        name_fr="Délai moyen",
        direction="range",
        range_min=Decimal(10),
        range_max=Decimal(20),
        frequency="yearly",
        position=1,
    )
    measure(plan["range"], D(2021, 1, 1), 25)
    measure(plan["range"], D(2023, 1, 1), 22)
    return plan


def _actions(plan):
    """A1 ends mid-2023, not done: late. A2 has milestones. A3 done (its end date).
    A4 done, recorded in 2022. A5 done only after the period: late. A6 ends after it."""
    p = plan["plan"]
    Action.objects.filter(code="A1").update(ends_on=D(2023, 6, 30))
    a2 = Action.objects.get(code="A2")
    Milestone.objects.create(action=a2, title_fr="Premier atelier", due_on=D(2023, 3, 1))  # missed
    Milestone.objects.create(action=a2, title_fr="Carte publiée", due_on=D(2023, 5, 1), done_on=D(2023, 4, 20))
    Milestone.objects.create(action=a2, title_fr="Vieux jalon", due_on=D(2021, 1, 1))  # before the period
    Milestone.objects.create(action=a2, title_fr="Bilan", due_on=D(2023, 10, 1), done_on=D(2024, 2, 1))  # late
    Milestone.objects.create(action=a2, title_fr="Suite", due_on=D(2024, 9, 1))  # after
    Action.objects.create(plan=p, code="A3", title_fr="Fini", status=ActionStatus.DONE, ends_on=D(2023, 9, 30))
    a4 = Action.objects.create(plan=p, code="A4", title_fr="Fini tôt", status=ActionStatus.DONE, ends_on=D(2021, 6, 30))
    a5 = Action.objects.create(
        plan=p, code="A5", title_fr="Fini tard", status=ActionStatus.DONE, ends_on=D(2023, 6, 30)
    )
    Action.objects.create(
        plan=p, code="A6", title_fr="En cours", status=ActionStatus.IN_PROGRESS, ends_on=D(2024, 3, 31)
    )
    for action, when in ((a4, datetime.datetime(2022, 3, 15, 12)), (a5, datetime.datetime(2024, 2, 1, 12))):
        record = ChangeRecord.objects.create(action=action, field="status", before="in_progress", after="done")
        ChangeRecord.objects.filter(pk=record.pk).update(at=timezone.make_aware(when))


# --- the rules ---------------------------------------------------------------------------


def test_values_at_the_start_and_the_end():
    points = [(D(2021, 1, 1), Decimal(110)), (D(2022, 1, 1), Decimal(125)), (D(2023, 1, 1), Decimal(140))]
    # The value in force when the period began: 2021's for a report on 2022-2023.
    assert rp.values_at(points, START, END) == (points[0], points[2])
    assert rp.values_at(points, D(2022, 6, 1), D(2022, 12, 31)) == (points[1], points[1])
    # No value before the period: the first one measured in it.
    assert rp.values_at(points[1:], D(2021, 6, 1), END) == (points[1], points[2])
    assert rp.values_at(points, D(2019, 1, 1), D(2020, 12, 31)) == (None, None)


@pytest.mark.parametrize(
    ("direction", "a", "b", "expected"),
    [
        ("higher", 10, 12, ("up", "better")),
        ("higher", 12, 10, ("down", "worse")),
        ("lower", 12, 10, ("down", "better")),
        ("lower", 10, 12, ("up", "worse")),
        ("higher", 10, 10, ("stable", "same")),
        ("range", 25, 22, ("down", "better")),  # closer to [10, 20]
        ("range", 15, 18, ("up", "same")),  # inside the range both times
        ("range", 18, 24, ("up", "worse")),
    ],
)
def test_trend_in_words(direction, a, b, expected):
    indicator = Indicator(direction=direction, range_min=Decimal(10), range_max=Decimal(20))
    first, last = (D(2022, 1, 1), Decimal(a)), (D(2023, 1, 1), Decimal(b))
    assert rp.trend(indicator, first, last) == expected
    assert rp.trend(indicator, first, first) == (None, None)  # one value: no trend
    assert rp.trend(indicator, None, last) == (None, None)


def test_statuses_values_and_trends_at_the_end_of_the_period(plan):
    report = rp.build(plan["plan"], START, END, today=TODAY)
    assert report.as_of == END
    lines = {line.indicator.code: line for line in report.indicators}
    jobs = lines["1.1.1"]
    # 140 in 2023: 40 % of the way, 40 % expected by the end of 2023. The 2024 value (90) is ignored.
    assert jobs.reading.status == st.ON_TRACK and jobs.reading.latest == 140
    assert jobs.start == (D(2021, 1, 1), 110) and jobs.end == (D(2023, 1, 1), 140)
    assert (jobs.trend, jobs.verdict) == ("up", "better")
    assert [p[0].year for p in jobs.points] == [2021, 2022, 2023]
    startups = lines["2.1.1"]
    assert startups.reading.status == st.AT_RISK  # 10 → 8: 20 % worse, within the off-track gap
    assert startups.start == (D(2023, 11, 1), 10) and startups.end == (D(2023, 12, 1), 8)
    assert (startups.trend, startups.verdict) == ("down", "worse")
    kept = lines["2.1.2"]
    assert kept.reading.status == st.OFF_TRACK and (kept.trend, kept.verdict) == ("down", "better")
    # Roll-ups: 1.1 on track; 2.1 = (½ + 0) / 2 off track; the plan (1 + 0) / 2 at risk.
    axis1, axis2 = report.axes
    assert axis1.rollup.status == st.ON_TRACK and axis2.rollup.status == st.OFF_TRACK
    assert report.rollup.status == st.AT_RISK
    assert dict(axis2.objective_counts)[st.OFF_TRACK] == 1 and dict(axis2.objective_counts)[st.ON_TRACK] == 0
    assert dict(report.indicator_count_list) == {
        st.ON_TRACK: 1,
        st.AT_RISK: 1,
        st.OFF_TRACK: 1,
        st.OVERDUE: 0,
        st.NO_DATA: 0,
    }


def test_a_later_period_reads_the_later_values_and_lateness(plan):
    report = rp.build(plan["plan"], D(2024, 1, 1), D(2024, 12, 31), today=TODAY)
    assert report.as_of == TODAY  # the period is not over: statuses as of today
    lines = {line.indicator.code: line for line in report.indicators}
    jobs = lines["1.1.1"]
    assert jobs.start == (D(2023, 1, 1), 140) and jobs.end == (D(2024, 1, 1), 90)
    assert (jobs.trend, jobs.verdict) == ("down", "worse") and jobs.reading.status == st.OFF_TRACK
    # The monthly indicator's next value was due by 2024-01-31 + 20 days.
    assert lines["2.1.1"].reading.status == st.OVERDUE
    assert (lines["2.1.1"].trend, lines["2.1.1"].end) == (None, (D(2023, 12, 1), 8))  # no new value


def test_actions_done_and_late(plan):
    _actions(plan)
    report = rp.build(plan["plan"], START, END, today=TODAY)
    assert [(d.action.code, d.done_on) for d in report.done] == [("A4", D(2022, 3, 15)), ("A3", D(2023, 9, 30))]
    late = {item.action.code: item for item in report.late}
    assert set(late) == {"A1", "A2", "A5"}
    assert late["A1"].ended_on == D(2023, 6, 30) and late["A1"].milestones == []
    assert late["A5"].ended_on == D(2023, 6, 30)  # marked done only in 2024
    assert late["A2"].ended_on is None
    assert [m.title_fr for m in late["A2"].milestones] == ["Premier atelier", "Bilan"]
    assert [m.title_fr for m in report.milestones_reached] == ["Carte publiée"]
    # In 2024, as of June: A6 ended in March and is not done; the September milestone is not due yet.
    later = rp.build(plan["plan"], D(2024, 1, 1), D(2024, 12, 31), today=TODAY)
    assert {item.action.code for item in later.late} == {"A1", "A6"}
    assert [(d.action.code, d.done_on) for d in later.done] == [("A5", D(2024, 2, 1))]


def test_default_period_is_the_last_twelve_months():
    assert rp.default_period(D(2024, 6, 30)) == (D(2023, 7, 1), D(2024, 6, 30))
    assert rp.default_period(D(2024, 2, 29)) == (D(2023, 3, 1), D(2024, 2, 29))


def test_start_after_end_is_refused(plan):
    with pytest.raises(ValueError):
        rp.build(plan["plan"], END, START)


# --- the page ----------------------------------------------------------------------------

QUERY = {"du": "2022-01-01", "au": "2023-12-31"}


def test_page_in_french(client, plan):
    _actions(plan)
    response = client.get("/strategie/rapport/", QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html and "1 janvier 2022" in html and "31 décembre 2023" in html
    assert "Emplois créés" in html and "Délai moyen" in html
    assert 'class="kpi-status kpi-on_track"' in html and "kpi-off_track" in html
    assert '<span class="trend-arrow" aria-hidden="true">↑</span>' in html  # an arrow beside words
    assert html.count('<svg class="sparkline"') == 3 and 'role="img" aria-label=' in html
    assert "/strategie/actions/A3/" in html and "Premier atelier" in html and "Carte publiée" in html
    assert "/strategie/rapport.pdf?du=2022-01-01&amp;au=2023-12-31" in html
    assert "core/report.css" in html and "style=" not in html  # no inline style (CSP)
    assert 'href="/strategie/rapport/" aria-current="page"' in html  # in the plan's menu


def test_page_in_english(client, plan):
    plan["jobs"].name_en = "Jobs created"
    plan["jobs"].save()
    html = client.get("/en/strategie/rapport/", QUERY).content.decode()
    assert '<html lang="en">' in html and "Jan. 1, 2022" in html
    assert "Evaluation report" in html and "Jobs created" in html
    assert "/en/strategie/rapport.pdf?" in html


def test_default_period(client, plan):
    start, end = rp.default_period()
    response = client.get("/strategie/rapport/")
    assert response.status_code == 200
    assert response.context["report"].start == start and response.context["report"].end == end


@pytest.mark.parametrize(
    "query",
    [
        {"du": "2022-13-01"},
        {"du": "hier"},
        {"au": "2023-02-30"},
        {"du": "20220101"},
        {"du": "2023-01-01", "au": "2022-01-01"},
    ],
)
def test_bad_dates_are_a_clear_400(client, plan, query):
    for url in ("/strategie/rapport/", "/strategie/rapport.pdf", "/en/strategie/rapport/"):
        response = client.get(url, query)
        assert response.status_code == 400
        html = response.content.decode()
        assert 'role="alert"' in html and any(
            m in html for m in ("YYYY-MM-DD", "start after it ends", "AAAA-MM-JJ", "après sa fin")
        )


def test_no_plan_is_a_404(client):
    assert client.get("/strategie/rapport/").status_code == 404


# --- the PDF -----------------------------------------------------------------------------


def test_pdf(client, plan):
    _actions(plan)
    response = client.get("/strategie/rapport.pdf", QUERY)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="helice-rapport-2022-01-01-2023-12-31.pdf"' in response["Content-Disposition"]
    english = client.get("/en/strategie/rapport.pdf", QUERY)
    assert english.status_code == 200 and english.content.startswith(b"%PDF")


def test_pdf_without_weasyprint_is_a_clear_503(client, plan, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` raises ImportError
    response = client.get("/strategie/rapport.pdf", QUERY)
    assert response.status_code == 503
    html = response.content.decode()
    assert "WeasyPrint" in html and "/strategie/rapport/?du=2022-01-01&amp;au=2023-12-31" in html
    assert client.get("/strategie/rapport/", QUERY).status_code == 200  # the page still works


def test_the_pdf_reads_only_our_static_files():
    base = "http://testserver/"
    assert views_report.static_file("http://testserver/static/core/report.css", base).endswith("core/report.css")
    for url in (
        "https://example.org/static/core/report.css",  # another host
        "http://testserver/media/photo.jpg",  # not a static file
        "http://testserver/static/core/../../settings.py",
        "http://testserver/static/core/%2e%2e/%2e%2e/settings.py",
        "http://testserver/static/core/missing.css",
        "file:///etc/passwd",
    ):
        assert views_report.static_file(url, base) is None, url
    fetcher = views_report._fetcher(base)
    response = fetcher.fetch("http://testserver/static/core/report.css")
    assert response.content_type == "text/css" and b"@media print" in response.read()
    with pytest.raises(ValueError):
        fetcher.fetch("https://example.org/font.woff2")


def test_pdf_is_rate_limited(client, plan, monkeypatch):
    monkeypatch.setattr(views_report, "PDF_RATE", "1/h")
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # no need to draw it
    assert client.get("/strategie/rapport.pdf", QUERY).status_code == 503
    assert client.get("/strategie/rapport.pdf", QUERY).status_code == 429
    assert client.get("/strategie/rapport/", QUERY).status_code == 200
