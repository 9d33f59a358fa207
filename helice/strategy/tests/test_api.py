"""The strategy's public API: the plan with its statuses, actions with filters and
pages, indicators with their status and latest value, one indicator with its values."""

import datetime

import pytest
from django.utils import timezone

from helice.directory.tests.factories import OrganizationFactory
from helice.strategy import selectors

from .factories import make_plan, measure

pytestmark = pytest.mark.django_db
API = "/api/v1/strategy"


@pytest.fixture
def plan():
    data = make_plan()
    this_year = timezone.localdate().year
    measure(data["jobs"], datetime.date(this_year - 2, 1, 1), 150)
    measure(data["jobs"], datetime.date(this_year - 1, 1, 1), 190)  # well ahead of the way to 200 in 2030
    return data


def test_no_plan_is_a_json_404(client):
    for path in ("/plan", "/actions", "/indicators", "/indicators/1.1.1"):
        response = client.get(API + path)
        assert response.status_code == 404 and response.json()["detail"]


def test_plan_with_axes_objectives_and_statuses(client, plan):
    response = client.get(f"{API}/plan")
    assert response.status_code == 200
    data = response.json()
    board = selectors.dashboard(plan["plan"])
    assert data["slug"] == "plan" and data["vision"] == "Une métropole innovante."
    assert data["status"] == board.rollup.status
    assert [a["code"] for a in data["axes"]] == ["1", "2"]
    first = data["axes"][0]["objectives"][0]
    assert first["code"] == "1.1" and first["indicators"] == ["1.1.1"]
    assert first["status"] == "on_track" and first["score"] == 1.0
    assert first["url"].endswith("/strategie/objectifs/1.1/")
    assert data["axes"][1]["objectives"][0]["status"] == "no_data"
    assert data["axes"][1]["objectives"][0]["score"] is None
    assert data["as_of"] == timezone.localdate().isoformat()
    english = client.get(f"{API}/plan", headers={"Accept-Language": "en"}).json()
    assert english["axes"][0]["objectives"][0]["status_label"] == "On track"


def test_actions_filters_and_pages(client, plan):
    lead = OrganizationFactory(slug="lead-org", name="Lead")
    plan["action"].lead = lead
    plan["action"].save()
    data = client.get(f"{API}/actions").json()
    assert data["count"] == 2 and [a["code"] for a in data["items"]] == ["A1", "A2"]
    a1 = data["items"][0]
    assert a1["lead"] == {"slug": "lead-org", "name": "Lead"} and a1["objectives"] == ["1.1"]
    assert a1["progress"] == 40 and a1["status"] == "in_progress" and a1["horizon"] == "short"
    assert a1["url"].endswith("/strategie/actions/A1/")
    assert [a["code"] for a in client.get(f"{API}/actions", {"horizon": "long"}).json()["items"]] == ["A2"]
    assert [a["code"] for a in client.get(f"{API}/actions", {"axis": "1"}).json()["items"]] == ["A1"]
    assert [a["code"] for a in client.get(f"{API}/actions", {"lead": "lead-org"}).json()["items"]] == ["A1"]
    assert client.get(f"{API}/actions", {"status": "done"}).json() == {"count": 0, "items": []}
    page2 = client.get(f"{API}/actions", {"page": 2, "page_size": 1}).json()
    assert page2["count"] == 2 and [a["code"] for a in page2["items"]] == ["A2"]
    for bad in ({"horizon": "forever"}, {"status": "x"}, {"page": 0}, {"page": "abc"}, {"page_size": 500}):
        response = client.get(f"{API}/actions", bad)
        assert response.status_code == 400 and response.json()["detail"], bad
    assert client.get(f"{API}/actions", {"page": 9}).status_code == 404


def test_indicators_with_status_and_latest_value(client, plan, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        data = client.get(f"{API}/indicators").json()
    assert [i["code"] for i in data] == ["1.1.1", "2.1.1"]
    jobs = data[0]
    assert jobs["status"] == "on_track" and jobs["latest_value"] == 190.0
    assert jobs["latest_period"] == f"{timezone.localdate().year - 1}-01-01"
    assert jobs["baseline_value"] == 100.0 and jobs["target_value"] == 200.0 and jobs["objective"] == "1.1"
    assert jobs["next_due"] and jobs["progress"] == 0.9
    assert data[1]["status"] == "no_data" and data[1]["latest_value"] is None
    assert [i["code"] for i in client.get(f"{API}/indicators", {"status": "no_data"}).json()] == ["2.1.1"]
    assert [i["code"] for i in client.get(f"{API}/indicators", {"axis": "1"}).json()] == ["1.1.1"]
    assert client.get(f"{API}/indicators", {"status": "green"}).status_code == 400


def test_one_indicator_with_every_measurement(client, plan):
    data = client.get(f"{API}/indicators/1.1.1").json()
    year = timezone.localdate().year
    assert data["name"] == "Emplois créés" and data["unit"] == "emplois"
    assert data["measurements"] == [
        {"period": f"{year - 2}-01-01", "value": 150.0, "comment": "", "source": "", "computed": False},
        {"period": f"{year - 1}-01-01", "value": 190.0, "comment": "", "source": "", "computed": False},
    ]
    response = client.get(f"{API}/indicators/9.9.9")
    assert response.status_code == 404 and response.json()["detail"]


def test_the_openapi_document_lists_the_strategy(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/strategy/plan",
        "/api/v1/strategy/actions",
        "/api/v1/strategy/indicators",
        "/api/v1/strategy/indicators/{code}",
    } <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/v1/strategy/actions"]["get"]["parameters"]}
    assert parameters == {"axis", "horizon", "status", "lead", "page", "page_size"}
    for path in schema["paths"].values():
        assert set(path) == {"get"}  # read-only
