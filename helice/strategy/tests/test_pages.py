"""The plan's public pages and the staff's entry grid, through HTTP."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from helice.accounts.tests.factories import UserFactory
from helice.core.testing.hostile import assert_inert
from helice.strategy.models import ChangeRecord, Measurement

from .factories import make_plan, measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return make_plan()


def test_no_plan_is_a_clear_404(client):
    assert client.get("/strategie/").status_code == 404


def test_overview_shows_every_status_in_words(client, plan):
    this_year = timezone.localdate().year
    measure(plan["jobs"], datetime.date(this_year - 1, 1, 1), 190)  # well ahead
    html = client.get("/strategie/").content.decode()
    assert "Plan d&#x27;innovation" in html and "Une métropole innovante." in html
    assert 'class="kpi-status kpi-on_track"' in html
    assert "kpi-no_data" in html  # the start-ups indicator has no value
    assert "/strategie/objectifs/1.1/" in html and "/strategie/indicateurs/1.1.1/" in html
    only_axis_2 = client.get("/strategie/", {"axe": "2"}).content.decode()
    assert "Coordonner les acteurs" not in only_axis_2 and "Soutenir les filières" in only_axis_2
    no_data = client.get("/strategie/", {"statut": "no_data"}).content.decode()
    assert "Soutenir les filières" in no_data and "Coordonner les acteurs" not in no_data


def test_overdue_shows_as_overdue(client, plan):
    measure(plan["jobs"], datetime.date(2021, 1, 1), 200)  # on target, but years ago
    html = client.get("/strategie/indicateurs/1.1.1/").content.decode()
    assert "kpi-overdue" in html


def test_objective_page(client, plan):
    html = client.get("/strategie/objectifs/1.1/").content.decode()
    assert "Emplois créés" in html and "Créer un comité" in html and "2.1. Soutenir les filières" in html
    assert client.get("/strategie/objectifs/9.9/").status_code == 404


def test_indicator_page_has_a_chart_and_its_table(client, plan):
    for year, value in ((2021, 110), (2022, 125), (2023, 130)):
        measure(plan["jobs"], datetime.date(year, 1, 1), value)
    html = client.get("/strategie/indicateurs/1.1.1/").content.decode()
    assert '<svg class="chart"' in html and 'role="img"' in html and "<desc" in html
    assert html.count('<tr><th scope="row">20') == 3  # the same values as a table
    assert "chart-target" in html and "chart-baseline" in html


def test_actions_filters_and_csv(client, plan):
    html = client.get("/strategie/actions/", {"horizon": "long"}).content.decode()
    assert "Cartographier" in html and "Créer un comité" not in html
    assert client.get("/strategie/actions/", {"horizon": "forever"}).status_code == 400
    response = client.get("/strategie/actions/", {"axis": "1", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "code" and [r[0] for r in rows[1:]] == ["A1"]
    detail = client.get("/strategie/actions/A1/").content.decode()
    assert "40 %" in detail and "1.1. Coordonner les acteurs" in detail


def test_map_has_an_accessible_equivalent(client, plan):
    html = client.get("/strategie/carte/").content.decode()
    assert "<svg" in html and 'marker-end="url(#arrow)"' in html
    assert "2.1. Soutenir les filières" in html  # in the nested lists


def test_values_csv(client, plan):
    measure(plan["jobs"], datetime.date(2023, 1, 1), 130)
    rows = list(csv.reader(io.StringIO(client.get("/strategie/indicateurs/valeurs.csv").content.decode("utf-8-sig"))))
    assert rows[1][:5] == ["1.1.1", "Emplois créés", "emplois", "2023-01-01", "130.0000"]


def test_only_strategy_managers_enter_values(client, plan):
    assert client.get("/strategie/saisie/").status_code == 302  # to the login page
    for user in (UserFactory(verified=True), UserFactory(moderator=True)):
        client.force_login(user)
        assert client.get("/strategie/saisie/").status_code == 403
        assert (
            client.post("/strategie/saisie/", {"period": "2026-01-01", f"value-{plan['jobs'].pk}": "5"}).status_code
            == 403
        )
    assert Measurement.objects.count() == 0
    client.force_login(UserFactory(strategy_manager=True))
    assert client.get("/strategie/saisie/").status_code == 200


def test_entry_grid_saves_a_period_with_history(client, plan):
    manager = UserFactory(strategy_manager=True)
    client.force_login(manager)
    response = client.post(
        "/strategie/saisie/",
        {
            "period": "2026-03-15",
            f"value-{plan['jobs'].pk}": "150",
            f"comment-{plan['jobs'].pk}": "Source : Insee",
            f"value-{plan['startups'].pk}": "1 234,5",
        },
    )
    assert response.status_code == 302
    jobs = Measurement.objects.get(indicator=plan["jobs"])
    startups = Measurement.objects.get(indicator=plan["startups"])
    assert jobs.period == datetime.date(2026, 1, 1) and jobs.value == 150  # the yearly period
    assert startups.period == datetime.date(2026, 3, 1) and str(startups.value) == "1234.5000"
    assert jobs.entered_by == manager and jobs.comment == "Source : Insee"
    changes = ChangeRecord.objects.filter(indicator=plan["jobs"])
    assert {(c.field, c.before, c.after) for c in changes} >= {("value", "", "150")}
    assert changes.filter(field="status").exists()  # no data → a status
    # Correcting keeps the before/after.
    client.post("/strategie/saisie/", {"period": "2026-01-01", f"value-{plan['jobs'].pk}": "160"})
    assert ChangeRecord.objects.filter(field="value", before="150", after="160").exists()
    page = client.get("/strategie/indicateurs/1.1.1/").content.decode()
    assert "150 → 160" in page


def test_entry_grid_refuses_bad_numbers_and_saves_nothing(client, plan):
    client.force_login(UserFactory(strategy_manager=True))
    response = client.post(
        "/strategie/saisie/",
        {"period": "2026-03-01", f"value-{plan['jobs'].pk}": "12", f"value-{plan['startups'].pk}": "douze"},
    )
    assert response.status_code == 400 and Measurement.objects.count() == 0
    assert "douze" in response.content.decode()
    for bad in ("NaN", "Infinity", "1e400", "<script>alert(1)</script>"):
        response = client.post("/strategie/saisie/", {"period": "2026-03-01", f"value-{plan['jobs'].pk}": bad})
        assert response.status_code == 400
        assert_inert(response.content)
    assert Measurement.objects.count() == 0
    assert client.post("/strategie/saisie/", {"period": "pas une date"}).status_code in (200, 400)


def test_a_new_value_shows_at_once_despite_the_cache(client, plan):
    assert "kpi-on_track" not in client.get("/strategie/").content.decode()  # cached now
    this_year = timezone.localdate().year
    measure(plan["jobs"], datetime.date(this_year - 1, 1, 1), 190)
    measure(plan["startups"], timezone.localdate().replace(day=1), 5)
    assert "kpi-on_track" in client.get("/strategie/").content.decode()


def test_pages_query_counts(client, plan, django_assert_max_num_queries):
    for url in ("/strategie/", "/strategie/carte/"):
        client.get(url)
    with django_assert_max_num_queries(1):  # the plan: its version keys the cached dashboard
        client.get("/strategie/")
    with django_assert_max_num_queries(1):  # the plan: the body is cached
        client.get("/strategie/carte/")


def test_actions_filter_by_organisation_leading_or_partner(client, plan):
    from helice.directory.tests.factories import OrganizationFactory

    lead, partner = OrganizationFactory(name="Pilote"), OrganizationFactory(name="Partenaire")
    action = plan["action"]
    action.lead = lead
    action.save()
    plan["plan"].actions.get(code="A2").partners.set([partner])
    page = client.get("/strategie/actions/").content.decode()
    assert f'value="{lead.slug}"' in page and f'value="{partner.slug}"' in page
    led = client.get("/strategie/actions/", {"lead": lead.slug}).content.decode()
    assert "Créer un comité" in led and "Cartographier" not in led
    partnered = client.get("/strategie/actions/", {"lead": partner.slug}).content.decode()
    assert "Cartographier" in partnered and "Créer un comité" not in partnered


def test_only_strategy_managers_edit_actions_and_indicators(client, plan):
    urls = ("/strategie/actions/A1/modifier/", "/strategie/indicateurs/1.1.1/modifier/")
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory(moderator=True))
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, {"title_fr": "Piraté", "name_fr": "Piraté"}).status_code == 403
    plan["action"].refresh_from_db()
    assert plan["action"].title_fr == "Créer un comité"


def test_manager_updates_an_action_with_history(client, plan):
    manager = UserFactory(strategy_manager=True)
    client.force_login(manager)
    url = "/strategie/actions/A1/modifier/"
    assert 'name="progress"' in client.get(url).content.decode()
    data = {
        "title_fr": "Créer un comité",
        "horizon": "short",
        "status": "done",
        "progress": "100",
        "starts_on": "2025-01-01",
        "ends_on": "2025-06-30",
    }
    assert client.post(url, data).status_code == 302
    action = plan["action"]
    action.refresh_from_db()
    assert (action.status, action.progress) == ("done", 100)
    assert {(c.field, c.before, c.after) for c in ChangeRecord.objects.filter(action=action)} >= {
        ("status", "in_progress", "done"),
        ("progress", "40", "100"),
    }
    # Bad input: a 400 with the errors, nothing saved.
    bad = dict(data, progress="140", ends_on="2024-01-01")
    response = client.post(url, bad)
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    action.refresh_from_db()
    assert action.progress == 100 and str(action.ends_on) == "2025-06-30"


def test_manager_sets_a_target_and_the_status_follows(client, plan):
    client.force_login(UserFactory(strategy_manager=True))
    indicator = plan["startups"]  # monthly, no baseline, no target
    this_month = timezone.localdate().replace(day=1)
    measure(indicator, this_month, 50)
    url = "/strategie/indicateurs/2.1.1/modifier/"
    data = {
        "name_fr": "Start-up accompagnées",
        "direction": "higher",
        "frequency": "monthly",
        "baseline_value": "40",
        "baseline_date": (this_month.replace(year=this_month.year - 1)).isoformat(),
        "target_value": "1000",
        "target_date": (this_month.replace(year=this_month.year + 1)).isoformat(),
        "weight": "1",
    }
    assert client.post(url, data).status_code == 302
    indicator.refresh_from_db()
    assert indicator.target_value == 1000
    assert ChangeRecord.objects.filter(indicator=indicator, field="target_value", after="1000").exists()
    assert ChangeRecord.objects.filter(indicator=indicator, field="status").exists()  # no data → off track
    assert "kpi-off_track" in client.get("/strategie/indicateurs/2.1.1/").content.decode()
    bad = dict(data, at_risk_gap="0.5", off_track_gap="0.2", target_date=data["baseline_date"])
    assert client.post(url, bad).status_code == 400
