"""Open data of a consultation: its proposals (with their counts), its opinions
(anonymised) and its comments, as CSV and JSON (docs/participation.md, "Open data").

What leaves the site and why:

* **Proposals**: what their pages show, with the counters of opinions and comments.
* **Opinions**: one line per opinion with the proposal, the value, the category the
  participant declared when giving it and the *day* it was last given — never the
  account, its name or a pseudonym (a stable pseudonym per export would still link a
  person's opinions together, which is personal data), never the time of day. Lines
  are sorted by proposal, day, value and category, so their order tells nothing more.
* **Comments**: what their pages show. A hidden comment keeps its place (date,
  stance, reason for hiding) without its text or author; an author appears by the
  public display name they chose, or not at all (the page says "anonymous
  participant" then); a deleted account never appears.

Every text cell of a CSV goes through :func:`helice.directory.exports.safe_cell`
(no cell starts with ``=``, ``+``, ``-`` or ``@``). Large exports are streamed in
batches read with a server-side cursor: 500,000 opinions never sit in memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from helice.directory.exports import safe_cell

from .models import Comment, Consultation, Opinion, Proposal

BATCH = 2000  # rows per chunk sent to the client

PROPOSAL_FIELDS = [
    "reference",
    "slug",
    "title_fr",
    "title_en",
    "origin",
    "state",
    "objective",
    "agree",
    "mixed",
    "disagree",
    "opinions",
    "comments",
    "published_on",
    "answer_fr",
    "answer_en",
    "answered_on",
    "action",
    "url",
]
OPINION_FIELDS = ["proposal_reference", "proposal", "value", "participant_category", "day"]
COMMENT_FIELDS = [
    "id",
    "proposal_reference",
    "proposal",
    "in_reply_to",
    "author",
    "official",
    "stance",
    "written_at",
    "edited_at",
    "hidden",
    "hidden_reason",
    "example",
    "text",
]


def _day(value) -> str:
    return timezone.localdate(value).isoformat() if value else ""


def _moment(value, zone) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds") if value else ""


# --- Rows (dicts: the JSON objects; CSV takes their values in the fields' order) ----


def public_proposals(consultation: Consultation) -> QuerySet[Proposal]:
    return consultation.proposals.public().select_related("objective", "action").order_by("position", "pk")


def proposal_records(proposals: Iterable[Proposal], base_url: str = "") -> Iterator[dict]:
    for p in proposals:
        yield {
            "reference": p.reference,
            "slug": p.slug,
            "title_fr": p.title_fr,
            "title_en": p.title_en,
            "origin": p.origin,
            "state": p.state,
            "objective": p.objective.code if p.objective else "",
            "agree": p.agree_count,
            "mixed": p.mixed_count,
            "disagree": p.disagree_count,
            "opinions": p.opinion_count,
            "comments": p.comment_count,
            "published_on": _day(p.published_at),
            "answer_fr": p.answer_fr,
            "answer_en": p.answer_en,
            "answered_on": _day(p.answered_at),
            "action": p.action.code if p.action else "",
            "url": base_url + p.get_absolute_url(),
        }


def _proposal_keys(consultation: Consultation) -> dict[int, tuple[str, str]]:
    """{proposal id: (reference, slug)} of the public proposals (a few hundred)."""
    return {
        pk: (reference, slug)
        for pk, reference, slug in consultation.proposals.public().values_list("pk", "reference", "slug")
    }


def opinion_records(consultation: Consultation) -> Iterator[dict]:
    """Anonymised opinions on the public proposals, sorted so that the order of the
    lines tells nothing (proposal, day, value, category)."""
    keys = _proposal_keys(consultation)
    rows = (
        Opinion.objects.filter(proposal_id__in=list(keys))
        .annotate(day=TruncDate("updated_at", tzinfo=timezone.get_current_timezone()))
        .order_by("proposal_id", "day", "value", "participant_category")
        .values_list("proposal_id", "value", "participant_category", "day")
    )
    for proposal_id, value, category, day in rows.iterator(chunk_size=BATCH):
        reference, slug = keys[proposal_id]
        yield {
            "proposal_reference": reference,
            "proposal": slug,
            "value": value,
            "participant_category": category,
            "day": day.isoformat(),
        }


def comment_records(consultation: Consultation) -> Iterator[dict]:
    """Comments on the public proposals, oldest first; hidden ones without text or author."""
    keys = _proposal_keys(consultation)
    zone = timezone.get_current_timezone()
    rows = (
        Comment.objects.filter(proposal_id__in=list(keys))
        .order_by("created_at", "pk")
        .values_list(
            "pk",
            "proposal_id",
            "parent_id",
            "author__display_name",
            "author__deleted_at",
            "is_official",
            "stance",
            "created_at",
            "edited_at",
            "hidden_at",
            "hidden_reason",
            "is_example",
            "body",
        )
    )
    for (
        pk,
        proposal_id,
        parent,
        name,
        deleted,
        official,
        stance,
        at,
        edited,
        hidden,
        reason,
        example,
        body,
    ) in rows.iterator(chunk_size=BATCH):
        reference, slug = keys[proposal_id]
        yield {
            "id": pk,
            "proposal_reference": reference,
            "proposal": slug,
            "in_reply_to": parent,
            "author": "" if hidden or deleted else (name or ""),
            "official": official,
            "stance": stance,
            "written_at": _moment(at, zone),
            "edited_at": _moment(edited, zone),
            "hidden": hidden is not None,
            "hidden_reason": reason if hidden else "",
            "example": example,
            "text": "" if hidden else body,
        }


# --- Formats ------------------------------------------------------------------------


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(value)


def csv_chunks(fields: list[str], records: Iterable[dict]) -> Iterator[str]:
    """The CSV text in chunks of ``BATCH`` lines (a BOM first, for spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(fields)
    for n, record in enumerate(records, start=1):
        writer.writerow([_csv_value(record[f]) for f in fields])
        if n % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(meta: dict, key: str, records: Iterable[dict]) -> Iterator[str]:
    """``{**meta, key: [records…]}`` as JSON text in chunks of ``BATCH`` records."""
    head = json.dumps(meta, ensure_ascii=False)
    yield head[:-1] + (", " if meta else "") + json.dumps(key) + ": ["
    batch: list[str] = []
    first = True
    for record in records:
        batch.append(json.dumps(record, ensure_ascii=False))
        if len(batch) == BATCH:
            yield ("" if first else ",") + "\n" + ",\n".join(batch)
            first, batch = False, []
    if batch:
        yield ("" if first else ",") + "\n" + ",\n".join(batch)
    yield "\n]}\n"
