"""The participation API: consultations, proposals with the list's filters, sorts
and pages (counts equal to the stored rows), a proposal with its comments; 400 on
bad parameters, 404 on what is not published."""

import pytest
from django.utils import timezone

from helice.accounts.tests.factories import UserFactory
from helice.participation.models import Comment, Opinion

from .factories import (
    CommentFactory,
    ConsultationFactory,
    ObjectiveFactory,
    OpinionFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/participation"


@pytest.fixture
def data():
    objective = ObjectiveFactory(code="1.1", title_fr="Attirer les talents")
    other = ObjectiveFactory(code="2.3")
    c = ConsultationFactory(slug="innovation", objectives=[objective, other])
    hydrogen = ProposalFactory(
        consultation=c, title_fr="Filière hydrogène", slug="hydrogene", objective=objective, reference="P1"
    )
    fund = ProposalFactory(consultation=c, title_fr="Fonds d'amorçage", slug="fonds", objective=other)
    idea = ProposalFactory(consultation=c, title_fr="Atelier vélo", slug="velo", idea=True, evaluating=True)
    ProposalFactory(consultation=c, title_fr="Idée en attente", slug="attente", submitted=True)
    ProposalFactory(consultation=c, title_fr="Idée cachée", slug="cachee", hidden=True)
    people = [UserFactory(participant_category=cat) for cat in ("citizen", "student", "company", "")]
    for user in people[:3]:
        OpinionFactory(proposal=hydrogen, user=user, value="agree")
    OpinionFactory(proposal=hydrogen, user=people[3], value="disagree")
    OpinionFactory(proposal=fund, user=people[0], value="mixed")
    first = CommentFactory(proposal=hydrogen, author=people[0], body="Très bonne idée.", stance="for")
    CommentFactory(proposal=hydrogen, author=people[1], body="Réponse.", parent=first)
    CommentFactory(proposal=fund, author=people[2], body="Un débat.")
    CommentFactory(proposal=fund, author=people[2], body="Un autre.")
    CommentFactory(proposal=hydrogen, author=people[2], body="Texte injurieux", hidden=True)
    return {"consultation": c, "hydrogen": hydrogen, "fund": fund, "idea": idea, "people": people}


def test_consultations(client, data):
    ConsultationFactory(slug="brouillon", draft=True)
    archived = ConsultationFactory(slug="ancienne", archived=True)
    response = client.get(f"{API}/consultations")
    assert response.status_code == 200
    body = response.json()
    assert [c["slug"] for c in body["items"]] == ["innovation", "ancienne"]
    first = body["items"][0]
    assert first["proposals"] == 3 and first["phase"] == "open" and first["objectives"] == ["1.1", "2.3"]
    assert first["url"].endswith("/concertation/innovation/")
    assert first["results_url"].endswith("/concertation/innovation/resultats/")
    assert first["proposals_url"].endswith("/api/v1/participation/consultations/innovation/proposals")
    assert client.get(f"{API}/consultations/innovation").json()["proposals"] == 3
    assert client.get(f"{API}/consultations/{archived.slug}").status_code == 200


def test_unpublished_is_404(client, data):
    ConsultationFactory(slug="brouillon", draft=True)
    for path in (
        "/consultations/brouillon",
        "/consultations/brouillon/proposals",
        "/consultations/nope/proposals",
        "/consultations/innovation/proposals/attente",
        "/consultations/innovation/proposals/cachee",
        "/consultations/innovation/proposals/nope",
    ):
        response = client.get(API + path)
        assert response.status_code == 404, path
        assert response.json()["detail"]


def test_proposals_counts_equal_rows(client, data):
    body = client.get(f"{API}/consultations/innovation/proposals?sort=newest").json()
    assert body["count"] == 3 and body["sort"] == "newest" and body["seed"] is None
    assert {p["slug"] for p in body["items"]} == {"hydrogene", "fonds", "velo"}
    for item in body["items"]:
        stored = Opinion.objects.filter(proposal__slug=item["slug"])
        assert item["opinions"] == stored.count()
        for value in ("agree", "mixed", "disagree"):
            assert item[value] == stored.filter(value=value).count()
        assert item["comments"] == Comment.objects.filter(proposal__slug=item["slug"], hidden_at__isnull=True).count()
    hydrogen = next(p for p in body["items"] if p["slug"] == "hydrogene")
    assert (hydrogen["agree"], hydrogen["disagree"], hydrogen["comments"]) == (3, 1, 2)
    assert hydrogen["objective"] == {"code": "1.1", "title": "Attirer les talents"}


def test_proposals_filters_and_sorts(client, data):
    url = f"{API}/consultations/innovation/proposals"
    assert [p["slug"] for p in client.get(url, {"objective": "1.1"}).json()["items"]] == ["hydrogene"]
    assert [p["slug"] for p in client.get(url, {"state": "evaluating"}).json()["items"]] == ["velo"]
    assert [p["slug"] for p in client.get(url, {"origin": "idea"}).json()["items"]] == ["velo"]
    assert [p["slug"] for p in client.get(url, {"q": "hydrogene"}).json()["items"]] == ["hydrogene"]
    assert client.get(url, {"sort": "supported"}).json()["items"][0]["slug"] == "hydrogene"
    assert [p["slug"] for p in client.get(url, {"sort": "debated"}).json()["items"]] == [
        "hydrogene",
        "fonds",
        "velo",
    ]  # 2 comments each: then opinions
    # A random order is stable with its seed, and the seed is given back.
    first = client.get(url).json()
    assert first["sort"] == "random" and first["seed"]
    again = client.get(url, {"seed": first["seed"]}).json()
    assert [p["slug"] for p in again["items"]] == [p["slug"] for p in first["items"]]


def test_proposals_pages(client, data):
    url = f"{API}/consultations/innovation/proposals"
    one = client.get(url, {"sort": "newest", "page_size": 2}).json()
    two = client.get(url, {"sort": "newest", "page_size": 2, "page": 2}).json()
    assert one["count"] == two["count"] == 3
    assert len(one["items"]) == 2 and len(two["items"]) == 1
    assert {p["slug"] for p in one["items"] + two["items"]} == {"hydrogene", "fonds", "velo"}
    assert client.get(url, {"page": 3, "page_size": 2}).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"state": "hidden"},
        {"state": "submitted"},
        {"objective": "9.9"},
        {"origin": "robot"},
        {"sort": "loudest"},
        {"seed": "abc"},
        {"seed": "0"},
        {"page": "x"},
        {"page": "0"},
        {"page_size": "1000"},
        {"q": "x" * 1000},
        {"q": "a\x00b"},
    ],
)
def test_bad_parameters_are_400(client, data, params):
    response = client.get(f"{API}/consultations/innovation/proposals", params)
    if params.get("q") == "a\x00b":  # NUL bytes are dropped, as on the page
        assert response.status_code == 200
        return
    assert response.status_code == 400, params
    assert response.json()["detail"]


def test_proposal_with_comments_hidden_without_text(client, data):
    response = client.get(f"{API}/consultations/innovation/proposals/hydrogene")
    assert response.status_code == 200
    body = response.json()
    assert body["consultation"] == "innovation" and body["reference"] == "P1"
    assert body["opinions"] == 4 and body["comments"] == 2
    by_category = {row["category"]: row for row in body["by_category"]}
    assert by_category["citizen"]["agree"] == 1 and by_category[""]["disagree"] == 1
    comments = body["comment_list"]
    assert comments["count"] == 3  # hidden ones keep their place
    hidden = [c for c in comments["items"] if c["hidden"]]
    assert len(hidden) == 1
    assert hidden[0]["text"] is None and hidden[0]["author"] is None and hidden[0]["hidden_reason"]
    assert "Texte injurieux" not in response.content.decode()
    visible = [c for c in comments["items"] if not c["hidden"]]
    assert visible[0]["text"] == "Très bonne idée." and visible[0]["stance"] == "for"
    assert visible[0]["author"] == data["people"][0].display_name
    assert visible[1]["in_reply_to"] == visible[0]["id"]
    for person in data["people"]:
        assert person.username not in response.content.decode()
        assert person.email not in response.content.decode()


def test_comment_authors_without_public_name(client, data):
    nameless = UserFactory(display_name="")
    gone = UserFactory(display_name="Ancien nom", deleted_at=timezone.now())
    CommentFactory(proposal=data["fund"], author=nameless, body="Sans nom.")
    CommentFactory(proposal=data["fund"], author=gone, body="Compte supprimé.")
    items = client.get(f"{API}/consultations/innovation/proposals/fonds").json()["comment_list"]["items"]
    authors = {c["text"]: c["author"] for c in items}
    assert authors["Sans nom."] is None and authors["Compte supprimé."] is None


def test_proposal_comment_pages(client, data):
    url = f"{API}/consultations/innovation/proposals/hydrogene"
    page = client.get(url, {"comments_page_size": 2, "comments_page": 2}).json()["comment_list"]
    assert page["count"] == 3 and len(page["items"]) == 1
    assert client.get(url, {"comments_page": 5}).status_code == 404
    assert client.get(url, {"comments_page_size": 0}).status_code == 400


def test_accepted_proposal_has_its_action(client):
    c = ConsultationFactory(slug="c")
    p = ProposalFactory(consultation=c, slug="ok", accepted=True)
    body = client.get(f"{API}/consultations/c/proposals/ok").json()
    assert body["action"]["code"] == p.action.code and body["action"]["progress"] == 30
    assert body["answer"].startswith("Retenue")


def test_english_labels(client, data):
    body = client.get(
        f"{API}/consultations/innovation/proposals", {"state": "evaluating"}, headers={"Accept-Language": "en"}
    ).json()
    assert body["items"][0]["state_label"] == "Under evaluation"


def test_openapi_documents_the_router(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = [p for p in schema["paths"] if p.startswith(API)]
    assert f"{API}/consultations/{{slug}}/proposals" in paths
    operation = schema["paths"][f"{API}/consultations/{{slug}}/proposals"]["get"]
    assert operation["summary"] and operation["description"]
    assert {"400", "404"} <= set(operation["responses"])


def test_query_count_of_the_list(client, data, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert client.get(f"{API}/consultations/innovation/proposals").status_code == 200
