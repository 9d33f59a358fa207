"""Writes of participation: opinions (with exact counters under concurrency), ideas,
the proposals' state machine and answers, and the territory's consultation.

Counters. ``Proposal.agree_count``/``mixed_count``/``disagree_count`` equal the
opinion rows at every commit. Every opinion write takes the proposal's row lock
first (``SELECT … FOR UPDATE``), then reads, creates, changes or deletes the
person's opinion and moves the counters with ``F()`` in the same transaction.
Writes on one proposal are thus serialised (a few milliseconds each), writes on
different proposals run in parallel, and two requests of the same person cannot
both create an opinion; the database's unique constraint stays the last guard
(an ``IntegrityError`` there is retried once, then reported)."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from helice.core.sanitize import clean_rich_input, plain_text
from helice.core.services import TerritoryDataError
from helice.strategy.models import Action, Axis, Objective

from . import rules as participation_rules
from .models import (
    COUNTER_FIELDS,
    DECIDED_STATES,
    PROPOSAL_TRANSITIONS,
    Consultation,
    ConsultationStatus,
    Opinion,
    OpinionValue,
    Origin,
    ParticipantCategory,
    Phase,
    Proposal,
    ProposalChange,
    ProposalState,
)

logger = logging.getLogger(__name__)

TITLE_MIN, TITLE_MAX = 8, 200
BODY_MIN, BODY_MAX = 30, 5000
ANSWER_MAX = 5000
REASON_MAX = 2000


class ParticipationError(ValidationError):
    """Bad input or a refused write, with a message for the person."""


# --- Opinions -----------------------------------------------------------------------


def _locked_proposal(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update(of=("self",)).select_related("consultation").get(pk=proposal.pk)


def _lock_for_opinion(proposal: Proposal) -> Proposal:
    """Take ``proposal``'s row lock and read what an opinion write needs under it:
    the state (does it still take opinions) and the counters. One statement, no
    join, no model fields beyond these (the write's hot path, docs/benchmarks.md).
    The consultation is the caller's (the view has just read it), as the join of
    the former lock read it: unlocked, in the same request."""
    row = (
        Proposal.objects.select_for_update()
        .filter(pk=proposal.pk)
        .values_list("state", "consultation_id", *COUNTER_FIELDS.values())
        .get()
    )
    locked = Proposal(pk=proposal.pk, state=row[0], consultation_id=row[1])
    for field, count in zip(COUNTER_FIELDS.values(), row[2:], strict=True):
        setattr(locked, field, count)
    consultation = proposal.consultation if proposal.consultation_id == row[1] else None
    locked.consultation = consultation or Consultation.objects.get(pk=row[1])
    return locked


def _refresh_counters(proposal: Proposal) -> None:
    proposal.refresh_from_db(fields=list(COUNTER_FIELDS.values()))


def _set_counters(proposal: Proposal, locked: Proposal, moves: dict[str, int]) -> None:
    """Give the caller's ``proposal`` the counters as this write left them: the
    values read under the row lock plus the moves (no query after the commit)."""
    for field in COUNTER_FIELDS.values():
        setattr(proposal, field, getattr(locked, field) + moves.get(field, 0))


# --- The opinion write in SQL, on PostgreSQL ----------------------------------------------
#
# The benchmark's hot path (docs/benchmarks.md): the ORM path below costs five
# statements built by the ORM in a transaction. On PostgreSQL the same write is one
# call of a PL/pgSQL function (migration 0005): it takes the proposal's row lock,
# checks the proposal still takes opinions, then (each statement of a volatile
# function taking a new snapshot, so seeing every write serialised before the lock)
# reads the person's opinion, inserts or changes it and moves the counters. One
# statement is its own transaction: no BEGIN and COMMIT round trips. The account
# rules are checked before, as on the ORM path; a refused write, or an opinion
# inserted by a writer that bypassed the lock, takes the ORM path, which gives the
# reason or changes that row.


def _sql_path(proposal: Proposal, user) -> bool:
    """The SQL path applies on PostgreSQL when the account may take part in the
    caller's consultation (read by the view); otherwise the ORM path refuses with
    the reason (the proposal's state first, as ``rules.refusal`` orders them)."""
    return connection.vendor == "postgresql" and participation_rules.refusal(user, proposal.consultation) is None


def _counters_after(proposal: Proposal, counts) -> None:
    """Give the caller's ``proposal`` the counters the write function returns (as
    the write left them, read under the lock)."""
    for field, count in zip(COUNTER_FIELDS.values(), counts, strict=True):
        setattr(proposal, field, count)


def _call(function: str, params: list):
    """One call of a write function; None when it refused (no row) or hit the
    unique constraint (a writer that bypassed the lock): the ORM path answers."""
    placeholders = ", ".join(["%s"] * len(params))
    # Alone, the statement is its own transaction; within the caller's, a savepoint
    # keeps a unique-constraint error from breaking it.
    scope = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with scope, connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {function}({placeholders})", params)  # noqa: S608 - a constant name
            return cursor.fetchone()
    except IntegrityError:
        logger.warning("%s: unique constraint hit for proposal %s, taking the ORM path", function, params[0])
        return None


def _opinion_set_sql(proposal: Proposal, user, value: str) -> Opinion | None:
    """``opinion_set`` in one statement (PostgreSQL); None: take the ORM path."""
    now = timezone.now()
    category = user.participant_category or ""
    states = sorted(participation_rules.OPINION_STATES)
    row = _call("helice_opinion_set", [proposal.pk, proposal.consultation_id, user.pk, value, category, now, states])
    if row is None:
        return None
    *counts, opinion_id, old_value, old_category, created_at, updated_at = row
    if old_value is None:  # a new opinion
        opinion = Opinion(pk=opinion_id, value=value, participant_category=category, created_at=now, updated_at=now)
    elif old_value != value:
        opinion = Opinion(
            pk=opinion_id, value=value, participant_category=category, created_at=created_at, updated_at=now
        )
    else:  # unchanged: nothing written
        opinion = Opinion(
            pk=opinion_id, value=value, participant_category=old_category, created_at=created_at, updated_at=updated_at
        )
    opinion.proposal, opinion.user = proposal, user
    _counters_after(proposal, counts)
    return opinion


def _opinion_withdraw_sql(proposal: Proposal, user) -> bool | None:
    """``opinion_withdraw`` in one statement (PostgreSQL); None: take the ORM path."""
    states = sorted(participation_rules.OPINION_STATES)
    row = _call("helice_opinion_withdraw", [proposal.pk, proposal.consultation_id, user.pk, states])
    if row is None:
        return None
    *counts, old_value = row
    _counters_after(proposal, counts)
    return old_value is not None


def opinion_set(*, proposal: Proposal, user, value: str) -> Opinion:
    """Give or change ``user``'s opinion on ``proposal``. Refused (PermissionDenied,
    with the reason) when they may not give one; ParticipationError for a value
    other than agree / mixed / disagree. Returns the opinion as stored.
    On PostgreSQL, one call of a PL/pgSQL function that takes the row lock (``_opinion_set_sql``)."""
    if value not in OpinionValue.values:
        raise ParticipationError({"value": _("Choose agree, mixed or disagree.")})
    if _sql_path(proposal, user):
        opinion = _opinion_set_sql(proposal, user, value)
        if opinion is not None:
            return opinion
    moves: dict[str, int] = {}
    for attempt in range(2):
        try:
            with transaction.atomic():
                locked = _lock_for_opinion(proposal)
                reason = participation_rules.refusal(user, locked.consultation, locked)
                if reason:
                    raise PermissionDenied(reason)
                now = timezone.now()
                opinion = Opinion.objects.filter(proposal_id=locked.pk, user_id=user.pk).first()
                if opinion is None:
                    opinion = Opinion.objects.create(
                        proposal=proposal,
                        user=user,
                        value=value,
                        participant_category=user.participant_category or "",
                        created_at=now,
                        updated_at=now,
                    )
                    moves = {COUNTER_FIELDS[value]: 1}
                    Proposal.objects.filter(pk=locked.pk).update(
                        **{COUNTER_FIELDS[value]: F(COUNTER_FIELDS[value]) + 1}
                    )
                elif opinion.value != value:
                    old = opinion.value
                    opinion.value, opinion.updated_at = value, now
                    opinion.participant_category = user.participant_category or ""
                    opinion.save(update_fields=["value", "updated_at", "participant_category"])
                    moves = {COUNTER_FIELDS[old]: -1, COUNTER_FIELDS[value]: 1}
                    Proposal.objects.filter(pk=locked.pk).update(
                        **{
                            COUNTER_FIELDS[old]: F(COUNTER_FIELDS[old]) - 1,
                            COUNTER_FIELDS[value]: F(COUNTER_FIELDS[value]) + 1,
                        }
                    )
            break
        except IntegrityError:
            # Only possible when the proposal lock was bypassed (a raw insert): the
            # row now exists, so the second pass changes it.
            if attempt:
                raise
            logger.warning("opinion_set: unique constraint hit for proposal %s, retrying", proposal.pk)
    _set_counters(proposal, locked, moves)
    return opinion


def opinion_withdraw(*, proposal: Proposal, user) -> bool:
    """Withdraw ``user``'s opinion on ``proposal`` (True when there was one). Allowed
    while they may give one; blocked accounts cannot withdraw either (their
    opinions stay counted until a moderator decides)."""
    if _sql_path(proposal, user):
        done = _opinion_withdraw_sql(proposal, user)
        if done is not None:
            return done
    with transaction.atomic():
        locked = _lock_for_opinion(proposal)
        reason = participation_rules.refusal(user, locked.consultation, locked)
        if reason:
            raise PermissionDenied(reason)
        opinion = Opinion.objects.filter(proposal_id=locked.pk, user_id=user.pk).first()
        if opinion is None:
            return False
        opinion.delete()
        field = COUNTER_FIELDS[opinion.value]
        Proposal.objects.filter(pk=locked.pk).update(**{field: F(field) - 1})
    _set_counters(proposal, locked, {field: -1})
    return True


def proposal_counters_recount(*, proposal: Proposal) -> dict[str, int]:
    """Recount a proposal's opinions from the rows (a repair; the services keep
    the counters exact). Returns the counts stored."""
    with transaction.atomic():
        _locked_proposal(proposal)
        counts = Opinion.objects.filter(proposal=proposal).aggregate(
            **{field: Count("pk", filter=Q(value=value)) for value, field in COUNTER_FIELDS.items()}
        )
        Proposal.objects.filter(pk=proposal.pk).update(**counts)
        list_version_bump(proposal.consultation_id)
    _refresh_counters(proposal)
    return counts


# --- The proposals list's version ---------------------------------------------------


def list_version_bump(consultation_id: int | None) -> None:
    """A proposal of the consultation was created, edited, moved or deleted: the
    proposals list's cached pages (list_cache.py) are no longer used. Opinions and
    comments do not call it (their counts lag at most the cache's lifetime)."""
    if consultation_id:
        Consultation.objects.filter(pk=consultation_id).update(list_version=F("list_version") + 1)


# --- Ideas --------------------------------------------------------------------------


def _clean_text(value: str, *, label: str, field: str, minimum: int, maximum: int) -> str:
    value = (value or "").replace("\x00", "").strip()
    length = len(plain_text(value).strip())
    if length < minimum:
        raise ParticipationError(
            {field: _("%(label)s needs at least %(n)d characters.") % {"label": label, "n": minimum}}
        )
    if len(value) > maximum:
        raise ParticipationError(
            {field: _("%(label)s is limited to %(n)d characters.") % {"label": label, "n": maximum}}
        )
    return value


def unique_proposal_slug(consultation: Consultation, title: str) -> str:
    base = slugify(title)[:200].strip("-") or "proposition"
    taken = set(consultation.proposals.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def idea_submit(*, consultation: Consultation, author, title: str, body: str, objective: Objective | None = None):
    """A participant suggests a new idea. Held for moderation (``submitted``) when
    the consultation checks ideas first, published at once otherwise. Refused
    (PermissionDenied with the reason) when ``author`` may not suggest one;
    ParticipationError (keyed by field) for bad input, then nothing is saved."""
    if not author.has_perm("participation.suggest_idea", consultation):
        reason = participation_rules.refusal(author, consultation)
        raise PermissionDenied(reason or _("This consultation does not take new ideas."))
    title = " ".join(
        _clean_text(title, label=_("The title"), field="title", minimum=TITLE_MIN, maximum=TITLE_MAX).split()
    )
    body = clean_rich_input(_clean_text(body, label=_("The text"), field="body", minimum=BODY_MIN, maximum=BODY_MAX))
    if objective is not None and not _objective_in(consultation, objective):
        raise ParticipationError({"objective": _("Choose one of the consultation's objectives.")})
    now = timezone.now()
    published = not consultation.ideas_premoderated
    proposal = Proposal(
        consultation=consultation,
        title_fr=title,
        body_fr=body,
        objective=objective,
        origin=Origin.IDEA,
        author=author,
        state=ProposalState.PUBLISHED if published else ProposalState.SUBMITTED,
        state_changed_at=now,
        published_at=now if published else None,
        created_at=now,
    )
    proposal.search_document = proposal.build_search_document()
    for attempt in range(5):  # two ideas with the same title at the same moment
        proposal.slug = unique_proposal_slug(consultation, title)
        try:
            with transaction.atomic():
                proposal.save()
                ProposalChange.objects.create(
                    proposal=proposal, field="state", before="", after=proposal.state, author=author, at=now
                )
            break
        except IntegrityError:
            if attempt == 4:
                raise
    return proposal


def consultation_objectives(consultation: Consultation):
    """The objectives a proposal of ``consultation`` may attach to: those it covers,
    those of the axes it covers, or every objective of the plan when it names none."""
    objective_ids = set(consultation.objectives.values_list("pk", flat=True))
    axis_ids = list(consultation.axes.values_list("pk", flat=True))
    qs = Objective.objects.select_related("axis")
    if objective_ids or axis_ids:
        qs = qs.filter(Q(pk__in=objective_ids) | Q(axis__in=axis_ids))
    return qs.order_by("axis__position", "position", "code")


def _objective_in(consultation: Consultation, objective: Objective) -> bool:
    return consultation_objectives(consultation).filter(pk=objective.pk).exists()


# --- The state machine and answers ---------------------------------------------------

MODERATION_MOVES = frozenset(
    {
        (ProposalState.SUBMITTED, ProposalState.PUBLISHED),
        (ProposalState.SUBMITTED, ProposalState.HIDDEN),
        (ProposalState.PUBLISHED, ProposalState.HIDDEN),
        (ProposalState.HIDDEN, ProposalState.PUBLISHED),
    }
)


def transition_permission(before: str, after: str) -> str:
    """The permission a move needs: moderation (ideas in and out of public view)
    or decision (evaluation, acceptance, rejection)."""
    return "participation.moderate" if (before, after) in MODERATION_MOVES else "participation.decide"


def allowed_transitions(proposal: Proposal, user) -> list[str]:
    """The states ``user`` may move ``proposal`` to, in the machine's order."""
    return [
        state
        for state in ProposalState.values
        if state in PROPOSAL_TRANSITIONS[proposal.state] and user.has_perm(transition_permission(proposal.state, state))
    ]


def _record(proposal: Proposal, field: str, before, after, by, note: str = "", at=None) -> None:
    ProposalChange.objects.create(
        proposal=proposal,
        field=field,
        before=str(before or "")[:300],
        after=str(after or "")[:300],
        note=note,
        author=by,
        at=at or timezone.now(),
    )


def proposal_transition(*, proposal: Proposal, to: str, by, reason: str = "", action: Action | None = None) -> Proposal:
    """Move ``proposal`` to the state ``to`` along ``PROPOSAL_TRANSITIONS``.

    Hiding needs a ``reason`` (told to the author); accepting needs the plan
    ``action`` the proposal becomes; leaving ``accepted`` unlinks the action.
    Every change is recorded with its author and date. PermissionDenied when
    ``by`` may not make this move; ParticipationError for a move the machine does
    not allow or missing input (nothing is saved)."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update(of=("self",)).select_related("action").get(pk=proposal.pk)
        before = proposal.state
        if to not in ProposalState.values or to not in PROPOSAL_TRANSITIONS[before]:
            raise ParticipationError(
                {
                    "state": _("A proposal “%(before)s” cannot become “%(after)s”.")
                    % {
                        "before": ProposalState(before).label,
                        "after": ProposalState(to).label if to in ProposalState.values else to,
                    }
                }
            )
        if not by.has_perm(transition_permission(before, to)):
            raise PermissionDenied(_("You may not make this change."))
        reason = (reason or "").replace("\x00", "").strip()
        if len(reason) > REASON_MAX:
            raise ParticipationError({"reason": _("The reason is limited to %(n)d characters.") % {"n": REASON_MAX}})
        if to == ProposalState.HIDDEN and not reason:
            raise ParticipationError({"reason": _("Say why the proposal is hidden: its author will read it.")})
        if to == ProposalState.ACCEPTED and action is None:
            raise ParticipationError({"action": _("Choose the plan action this proposal becomes.")})
        now = timezone.now()
        proposal.state, proposal.state_changed_at = to, now
        fields = ["state", "state_changed_at", "updated_at"]
        if to == ProposalState.PUBLISHED and proposal.published_at is None:
            proposal.published_at = now
            fields.append("published_at")
        if to == ProposalState.HIDDEN:
            proposal.moderation_reason = reason
            fields.append("moderation_reason")
        _record(proposal, "state", before, to, by, reason, now)
        new_action = action if to == ProposalState.ACCEPTED else None
        if new_action != proposal.action:
            _record(
                proposal,
                "action",
                proposal.action.code if proposal.action else "",
                new_action.code if new_action else "",
                by,
                at=now,
            )
            proposal.action = new_action
            fields.append("action")
        proposal.save(update_fields=fields)
    return proposal


def proposal_answer(*, proposal: Proposal, by, answer_fr: str, answer_en: str = "") -> Proposal:
    """The metropolis's public answer to ``proposal`` (strategy managers), dated and
    signed, recorded in the history. An empty answer removes it."""
    if not by.has_perm("participation.decide"):
        raise PermissionDenied(_("You may not answer proposals."))
    cleaned = {}
    for field, value in (("answer_fr", answer_fr), ("answer_en", answer_en)):
        value = (value or "").replace("\x00", "").strip()
        if len(value) > ANSWER_MAX:
            raise ParticipationError({field: _("The answer is limited to %(n)d characters.") % {"n": ANSWER_MAX}})
        cleaned[field] = clean_rich_input(value)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update(of=("self",)).get(pk=proposal.pk)
        if cleaned["answer_fr"] == proposal.answer_fr and cleaned["answer_en"] == proposal.answer_en:
            return proposal
        now = timezone.now()
        _record(
            proposal, "answer", plain_text(proposal.answer_fr)[:300], plain_text(cleaned["answer_fr"])[:300], by, at=now
        )
        proposal.answer_fr, proposal.answer_en = cleaned["answer_fr"], cleaned["answer_en"]
        answered = bool(cleaned["answer_fr"] or cleaned["answer_en"])
        proposal.answered_at = now if answered else None
        proposal.answered_by = by if answered else None
        proposal.save(update_fields=["answer_fr", "answer_en", "answered_at", "answered_by", "updated_at"])
    return proposal


def proposal_reindex(*, proposal: Proposal) -> None:
    Proposal.objects.filter(pk=proposal.pk).update(search_document=proposal.build_search_document())
    list_version_bump(proposal.consultation_id)


# --- The territory's consultation ------------------------------------------------------


def _text(record: dict, key: str) -> str:
    value = record.get(key)
    return " ".join(str(value).split()) if value else ""


def _paragraphs(record: dict, key: str) -> str:
    value = record.get(key)
    return str(value).strip() if value else ""


def _date(record: dict, key: str, label: str):
    import datetime

    value = record.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise TerritoryDataError(f"{label}: {key} is not a date (YYYY-MM-DD).") from None


def consultations_load(*, path: Path | str) -> dict[str, int]:
    """Create or update the consultations of ``<territory>/participation/*.yaml``,
    matched by slug, with their official proposals matched by reference (or slug)
    and attached to the plan's objectives by code. Opinions, comments, ideas and
    proposals' states changed since are kept. The first invalid record raises
    TerritoryDataError and nothing is loaded."""
    folder = Path(path) / "participation"
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    counts = {"total": 0, "created": 0, "updated": 0}
    with transaction.atomic():
        for file in files:
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
            _consultation_load(file.name, data, counts)
    return counts


def _consultation_load(name: str, data: dict, counts: dict[str, int]) -> None:
    head = data.get("consultation") or {}
    if not head.get("slug") or not head.get("title_fr"):
        raise TerritoryDataError(f"{name}: a consultation needs a slug and a French title.")
    status = head.get("status") or ConsultationStatus.PUBLISHED
    phase = head.get("phase_forced") or ""
    categories = head.get("eligible_categories") or []
    if status not in ConsultationStatus.values:
        raise TerritoryDataError(f"{name}: unknown status {status}.")
    if phase and phase not in Phase.values:
        raise TerritoryDataError(f"{name}: unknown phase {phase}.")
    if any(c not in ParticipantCategory.values for c in categories):
        raise TerritoryDataError(f"{name}: unknown participant category in {categories}.")
    consultation, created = Consultation.objects.update_or_create(
        slug=head["slug"],
        defaults={
            "title_fr": _text(head, "title_fr"),
            "title_en": _text(head, "title_en"),
            "summary_fr": _text(head, "summary_fr"),
            "summary_en": _text(head, "summary_en"),
            "description_fr": _paragraphs(head, "description_fr"),
            "description_en": _paragraphs(head, "description_en"),
            "status": status,
            "announced_on": _date(head, "announced_on", name),
            "opens_on": _date(head, "opens_on", name),
            "closes_on": _date(head, "closes_on", name),
            "results_on": _date(head, "results_on", name),
            "phase_forced": phase,
            "eligible_categories": categories,
            "ideas_allowed": bool(head.get("ideas_allowed", True)),
            "ideas_premoderated": bool(head.get("ideas_premoderated", True)),
            "questions": [
                {"fr": _text(q, "fr"), "en": _text(q, "en")} for q in head.get("questions") or [] if _text(q, "fr")
            ],
            "sources": _text(data, "sources"),
        },
    )
    counts["total"] += 1
    counts["created" if created else "updated"] += 1
    axis_codes = [str(c) for c in head.get("axes") or []]
    axes = list(Axis.objects.filter(code__in=axis_codes))
    if len(axes) != len(set(axis_codes)):
        raise TerritoryDataError(f"{name}: unknown axis in {axis_codes} (load the strategy plan first).")
    consultation.axes.set(axes)
    objectives = {o.code: o for o in Objective.objects.filter(axis__in=axes)} if axes else {}
    objectives.update({o.code: o for o in Objective.objects.all()})
    consultation.objectives.set(
        [objectives[c] for c in (str(c) for c in head.get("objectives") or []) if c in objectives]
    )
    for position, record in enumerate(data.get("proposals") or []):
        _official_proposal_load(name, consultation, record, position, objectives, counts)


def _official_proposal_load(name, consultation, record, position, objectives, counts) -> None:
    reference = _text(record, "reference")
    title = _text(record, "title_fr")
    if not title or not _paragraphs(record, "body_fr"):
        raise TerritoryDataError(f"{name}: proposal {reference or position + 1} needs a French title and text.")
    code = str(record.get("objective") or "")
    if code and code not in objectives:
        raise TerritoryDataError(f"{name}: proposal {reference or title}: unknown objective {code}.")
    slug = record.get("slug") or slugify(f"{reference} {title}" if reference else title)[:200].strip("-")
    lookup = {"reference": reference} if reference else {"slug": slug}
    existing = consultation.proposals.filter(**lookup).first()
    fields = {
        "title_fr": title,
        "title_en": _text(record, "title_en"),
        "body_fr": _paragraphs(record, "body_fr"),
        "body_en": _paragraphs(record, "body_en"),
        "objective": objectives.get(code),
        "is_example": bool(record.get("example")),
        "sources": _text(record, "sources"),
        "position": position,
    }
    if existing is None:
        now = timezone.now()
        proposal = Proposal(
            consultation=consultation,
            reference=reference,
            slug=slug,
            origin=Origin.OFFICIAL,
            state=ProposalState.PUBLISHED,
            state_changed_at=now,
            published_at=now,
            **fields,
        )
        counts["created"] += 1
    else:
        proposal = existing
        for key, value in fields.items():
            setattr(proposal, key, value)
        counts["updated"] += 1
    counts["total"] += 1
    proposal.search_document = proposal.build_search_document()
    proposal.save()


__all__ = [
    "DECIDED_STATES",
    "ParticipationError",
    "allowed_transitions",
    "consultation_objectives",
    "consultations_load",
    "idea_submit",
    "list_version_bump",
    "opinion_set",
    "opinion_withdraw",
    "proposal_answer",
    "proposal_counters_recount",
    "proposal_reindex",
    "proposal_transition",
]
