"""Open data of a consultation: proposals with counts, anonymised opinions and
comments, as CSV (formula-safe) and JSON, streamed."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from helice.accounts.tests.factories import UserFactory
from helice.participation import exports
from helice.participation.models import Opinion

from .factories import CommentFactory, ConsultationFactory, OpinionFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _get(client, consultation, dataset, fmt, status=200):
    response = client.get(
        reverse("participation:export", kwargs={"slug": consultation.slug, "dataset": dataset, "fmt": fmt})
    )
    assert response.status_code == status, response
    return response


def _body(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8")


def _csv(response) -> list[dict]:
    text = _body(response)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _json(response) -> dict:
    return json.loads(_body(response))


@pytest.fixture
def data():
    c = ConsultationFactory(slug="innovation")
    first = ProposalFactory(consultation=c, title_fr='=HYPERLINK("http://evil","clic")', reference="P1")
    second = ProposalFactory(consultation=c, title_fr="Fonds d'amorçage", accepted=True)
    hidden = ProposalFactory(consultation=c, title_fr="Idée cachée", hidden=True)
    alice = UserFactory(display_name="Alice Martin", participant_category="researcher", email="alice@example.org")
    bob = UserFactory(display_name="", participant_category="citizen", username="bob-the-user")
    gone = UserFactory(display_name="Compte supprimé", deleted_at=timezone.now())
    OpinionFactory(proposal=first, user=alice, value="agree")
    OpinionFactory(proposal=first, user=bob, value="disagree")
    OpinionFactory(proposal=second, user=alice, value="mixed")
    OpinionFactory(proposal=hidden, user=bob, value="agree")  # never exported
    visible = CommentFactory(proposal=first, author=alice, body="-2+3 fait 1", stance="for")
    CommentFactory(proposal=first, author=bob, body="@réponse", parent=visible)
    CommentFactory(proposal=second, author=gone, body="Un avis d'un compte supprimé.")
    CommentFactory(proposal=second, author=alice, body="Insulte cachée", hidden=True, hidden_reason="Propos injurieux.")
    CommentFactory(proposal=hidden, author=alice, body="Sur une idée cachée")
    return {"consultation": c, "first": first, "second": second, "alice": alice, "bob": bob}


def test_proposals_csv_with_counts_equal_to_rows_and_formula_safe(client, data):
    rows = _csv(_get(client, data["consultation"], "propositions", "csv"))
    assert list(rows[0]) == exports.PROPOSAL_FIELDS
    assert len(rows) == 2  # the hidden idea is not exported
    first = next(r for r in rows if r["reference"] == "P1")
    assert first["title_fr"].startswith("'=HYPERLINK")
    assert (first["agree"], first["mixed"], first["disagree"], first["opinions"]) == ("1", "0", "1", "2")
    assert first["comments"] == "2"
    for row in rows:
        stored = Opinion.objects.filter(proposal__slug=row["slug"])
        assert int(row["opinions"]) == stored.count()
        assert int(row["agree"]) == stored.filter(value="agree").count()
    accepted = next(r for r in rows if r["state"] == "accepted")
    assert accepted["action"] and accepted["answer_fr"]
    assert accepted["url"].startswith("http://testserver/concertation/innovation/propositions/")


def test_proposals_json(client, data):
    document = _json(_get(client, data["consultation"], "propositions", "json"))
    assert document["consultation"] == "innovation"
    assert document["fields"] == exports.PROPOSAL_FIELDS
    by_ref = {p["reference"]: p for p in document["proposals"]}
    assert by_ref["P1"]["agree"] == 1 and by_ref["P1"]["opinions"] == 2
    assert by_ref["P1"]["title_fr"].startswith("=HYPERLINK")  # JSON is not a spreadsheet: the text as written


def test_opinions_are_anonymised(client, data):
    response = _get(client, data["consultation"], "avis", "csv")
    text = _body(response)
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert list(rows[0]) == ["proposal_reference", "proposal", "value", "participant_category", "day"]
    assert len(rows) == 3  # not the opinion on the hidden idea
    for who in (data["alice"], data["bob"]):
        for trace in (str(who.pk), who.username, who.email, "Alice", "alice"):
            assert trace not in {cell for row in rows for cell in row.values()}
        assert who.username not in text and who.email not in text
    today = timezone.localdate().isoformat()
    assert {r["day"] for r in rows} == {today}  # the day, never the time
    assert {(r["proposal_reference"], r["value"], r["participant_category"]) for r in rows} == {
        ("P1", "agree", "researcher"),
        ("P1", "disagree", "citizen"),
        ("", "mixed", "researcher"),
    }


def test_opinions_order_tells_nothing(data):
    """Sorted by proposal, day, value, category: not by when they were given."""
    first = data["first"]
    for value in ("mixed", "agree", "disagree", "agree"):
        OpinionFactory(proposal=first, user=UserFactory(participant_category="student"), value=value)
    rows = [r for r in exports.opinion_records(data["consultation"]) if r["proposal"] == first.slug]
    keys = [(r["day"], r["value"], r["participant_category"]) for r in rows]
    assert keys == sorted(keys)


def test_opinions_json_and_day_in_local_time(client, data, settings):
    # 23:30 UTC on 1 March is already 2 March in Paris.
    late = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    Opinion.objects.filter(user=data["bob"]).update(created_at=late, updated_at=late)
    document = _json(_get(client, data["consultation"], "avis", "json"))
    assert document["fields"] == exports.OPINION_FIELDS
    assert len(document["opinions"]) == 3
    assert {"proposal_reference": "P1", "proposal": data["first"].slug, "value": "disagree",
            "participant_category": "citizen", "day": "2026-03-02"} in document["opinions"]  # fmt: skip
    assert all(set(o) == set(exports.OPINION_FIELDS) for o in document["opinions"])


def test_comments_hidden_without_text_authors_by_public_name_only(client, data):
    rows = _csv(_get(client, data["consultation"], "commentaires", "csv"))
    assert list(rows[0]) == exports.COMMENT_FIELDS
    assert len(rows) == 4  # not the comment on the hidden idea
    texts = {r["text"] for r in rows}
    assert "Insulte cachée" not in texts
    hidden = next(r for r in rows if r["hidden"] == "true")
    assert hidden["text"] == "" and hidden["author"] == ""
    assert hidden["hidden_reason"] == "Propos injurieux."
    by_text = {r["text"]: r for r in rows}
    # Formula-safe: a cell never starts with = + - @.
    assert "'-2+3 fait 1" in by_text and "'@réponse" in by_text
    assert by_text["'-2+3 fait 1"]["author"] == "Alice Martin"
    reply = by_text["'@réponse"]
    assert reply["author"] == ""  # no display name: no name at all (never the username)
    assert reply["in_reply_to"] == by_text["'-2+3 fait 1"]["id"]
    assert by_text["Un avis d'un compte supprimé."]["author"] == ""
    for row in rows:
        for cell in row.values():
            assert cell[:1] not in ("=", "+", "-", "@")
    assert "bob-the-user" not in str(rows)


def test_comments_json_hidden_without_text(client, data):
    document = _json(_get(client, data["consultation"], "commentaires", "json"))
    hidden = [c for c in document["comments"] if c["hidden"]]
    assert len(hidden) == 1 and hidden[0]["text"] == "" and hidden[0]["author"] == ""
    assert any(c["text"] == "-2+3 fait 1" for c in document["comments"])


def test_large_export_is_streamed_in_batches(data, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 2)
    chunks = list(exports.csv_chunks(exports.OPINION_FIELDS, exports.opinion_records(data["consultation"])))
    assert len(chunks) == 2  # header + 2 rows, then the last row
    parts = list(exports.json_chunks({"a": 1}, "items", ({"n": i} for i in range(5))))
    assert json.loads("".join(parts)) == {"a": 1, "items": [{"n": i} for i in range(5)]}
    assert json.loads("".join(exports.json_chunks({}, "items", iter(())))) == {"items": []}


def test_unpublished_consultation_and_unknown_dataset_are_404(client, data):
    draft = ConsultationFactory(draft=True)
    for dataset in ("propositions", "avis", "commentaires"):
        _get(client, draft, dataset, "csv", status=404)
    assert client.get("/concertation/innovation/donnees/votants.csv").status_code == 404
    assert client.get("/concertation/innovation/donnees/avis.xml").status_code == 404


def test_large_exports_are_rate_limited(client, data):
    for _ in range(30):
        _get(client, data["consultation"], "avis", "csv")
    _get(client, data["consultation"], "commentaires", "json", status=429)
    _get(client, data["consultation"], "propositions", "csv")  # the small one is not limited


def test_results_page_links_every_download(client, data):
    html = client.get(reverse("participation:results", kwargs={"slug": "innovation"})).content.decode()
    for name in ("propositions", "avis", "commentaires"):
        for fmt in ("csv", "json"):
            assert f"/concertation/innovation/donnees/{name}.{fmt}" in html
