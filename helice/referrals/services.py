"""Writes of the request engine: each a named, transactional function that checks
who may act, validates, saves, records the dated event and queues the e-mails
(persistent outbox, sent after commit: a mail server that is down loses nothing).

State machine of a case (each change is a :class:`CaseEvent`)::

    new ──► taken ──► answered ──► closed
     │        │          │  ▲
     │        │          └──┘ (a further answer)
     ├────────┴──► redirected (another organisation gets a new case; reason kept)
     └────────┴──► closed (without an answer: a reason is required)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from helice.accounts.models import Membership
from helice.core import mail
from helice.core.roles import ADMINISTRATOR
from helice.core.sanitize import plain_text
from helice.directory.models import Organization

from .models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    EventKind,
    Outcome,
    Request,
    RequestKind,
    hash_token,
)
from .rules import team_organization_id

NEW, TAKEN, ANSWERED, CLOSED, REDIRECTED = (
    CaseStatus.NEW,
    CaseStatus.TAKEN,
    CaseStatus.ANSWERED,
    CaseStatus.CLOSED,
    CaseStatus.REDIRECTED,
)

TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({TAKEN, ANSWERED, REDIRECTED, CLOSED}),
    TAKEN: frozenset({ANSWERED, REDIRECTED, CLOSED}),
    ANSWERED: frozenset({ANSWERED, CLOSED}),
    CLOSED: frozenset(),
    REDIRECTED: frozenset(),
}

MESSAGE_MAX_LENGTH = 5000


class RequestError(ValidationError):
    """A write refused for a reason the person can act on (shown as a 400/409)."""


class InvalidTransition(RequestError):
    pass


@dataclass(frozen=True)
class Target:
    """Where a request goes: an organisation, and what it is about (a service, a
    space), or nothing in particular."""

    organization: Organization
    subject: Any = None


@dataclass(frozen=True)
class Created:
    request: Request
    token: str | None  # the private link's token; None when the request already existed
    created: bool


# --- helpers ---------------------------------------------------------------------------


def _link(name: str, **kwargs) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return mail.absolute(reverse(name, kwargs=kwargs or None))


def tracking_link(token: str) -> str:
    return _link("referrals:track", token=token)


def case_link(case: Case) -> str:
    return _link("referrals:case", pk=case.pk)


def member_emails(organization_id: int) -> list[str]:
    return sorted(
        set(
            Membership.objects.filter(
                organization_id=organization_id, user__is_active=True, user__deleted_at__isnull=True
            )
            .exclude(user__email__isnull=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def team_emails() -> list[str]:
    """The metropolis's team, or the administrators when the team has no member."""
    team_id = team_organization_id()
    emails = member_emails(team_id) if team_id else []
    return emails or mail.role_emails(ADMINISTRATOR)


def _clean_message(message: str, *, required: bool = True, field: str = "message") -> str:
    text = plain_text(message or "").strip()
    if required and not text:
        raise RequestError({field: _("Please write a message.")})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise RequestError({field: _("The message is limited to %(n)d characters.") % {"n": MESSAGE_MAX_LENGTH}})
    return text


def _require(user, case: Case) -> None:
    if user is None or not user.has_perm("referrals.handle_case", case):
        raise PermissionDenied


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("request", "organization").get(pk=case.pk)


def _event(case: Case, kind: str, *, by=None, before: str = "", message: str = "", public: bool = True) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=by,
        from_status=before,
        to_status=case.status if before else "",
        message=message,
        public=public,
    )


def _move(case: Case, target: str, *, by, message: str = "", kind: str = EventKind.STATUS) -> CaseEvent:
    if target not in TRANSITIONS[case.status]:
        raise InvalidTransition(
            _("This request is “%(status)s”; it cannot become “%(target)s”.")
            % {"status": CaseStatus(case.status).label, "target": CaseStatus(target).label}
        )
    before = case.status
    case.status = target
    now = timezone.now()
    if target == TAKEN or (target == ANSWERED and case.taken_at is None):
        case.taken_at = case.taken_at or now
        case.assignee = case.assignee or by
    if target == ANSWERED and case.first_answer_at is None:
        case.first_answer_at = now
    if target in (CLOSED, REDIRECTED):
        case.closed_at = now
    case.save()
    return _event(case, kind, by=by, before=before, message=message)


def _requester_context(request_obj: Request, case: Case | None = None, **extra) -> dict:
    return {"request": request_obj, "case": case, **extra}


def _tell_requester(request_obj: Request, template: str, *, case: Case | None = None, **extra) -> None:
    if request_obj.email and request_obj.anonymised_at is None:
        mail.send_after_commit(
            template=f"referrals/email/{template}",
            context=_requester_context(request_obj, case, **extra),
            recipients=[request_obj.email],
        )


# --- sending a request -----------------------------------------------------------------


def verified_address(user, email: str) -> bool:
    """Whether ``email`` is one of ``user``'s verified addresses."""
    if user is None or not user.is_authenticated or not email:
        return False
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def _subject_label(subject) -> str:
    return str(getattr(subject, "display_name", subject) or "") if subject is not None else ""


def _one_per_organization(targets: list[Target]) -> list[tuple[Target, str]]:
    """One case per organisation: its first target's subject is the case's subject,
    and the label names every subject chosen for that organisation, in order (two
    services of one provider, two spaces of one operator), so nothing chosen is lost."""
    grouped: dict[int, list[Target]] = {}
    for target in targets:
        grouped.setdefault(target.organization.pk, []).append(target)
    result = []
    for same in grouped.values():
        labels = list(dict.fromkeys(label for label in map(_subject_label, (t.subject for t in same)) if label))
        result.append((same[0], ", ".join(labels)[:220]))
    return result


def request_create(
    *,
    kind: str,
    targets: list[Target],
    route_to_team: bool,
    submission_key,
    data: dict,
    user=None,
) -> Created:
    """Store a request and its cases (not yet visible to anyone). A person signed
    in with a verified address has it sent at once; anyone else receives a link
    to confirm the address first. The same ``submission_key`` twice (a double
    click, a resent form) returns the first request."""
    if kind not in RequestKind.values:
        raise RequestError(_("Unknown kind of request."))
    existing = Request.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        return Created(existing, None, False)
    targets = _one_per_organization(targets)
    if not targets and not route_to_team:
        raise RequestError(
            {"targets": _("Choose at least one service, or let the metropolis's team route your request.")}
        )
    team_id = team_organization_id()
    if route_to_team and team_id is None:
        raise RequestError(_("The metropolis's team cannot receive requests at the moment."))
    fields = dict(data)
    fields["message"] = _clean_message(fields.get("message", ""))
    email = (fields.get("email") or "").strip()
    if not email and user is not None and user.is_authenticated:
        email = user.email
    if not email:
        raise RequestError({"email": _("An e-mail address is needed to follow your request.")})
    fields["email"] = email
    request_obj = Request(
        kind=kind, submission_key=submission_key, user=user if user and user.is_authenticated else None, **fields
    )
    token = request_obj.set_token()
    try:
        request_obj.full_clean(exclude=["token_hash", "submission_key"])
    except ValidationError as error:
        raise RequestError(error.message_dict) from None
    try:
        with transaction.atomic():
            request_obj.save()
            for target, label in targets:
                subject = target.subject
                Case.objects.create(
                    request=request_obj,
                    organization=target.organization,
                    subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
                    subject_id=subject.pk if subject is not None else None,
                    subject_label=label,
                )
            if route_to_team and team_id not in {t.organization.pk for t, _label in targets}:
                Case.objects.create(request=request_obj, organization_id=team_id, routing=True)
            if verified_address(user, email):
                _submit(request_obj)
                _tell_requester(request_obj, "receipt", link=tracking_link(token))
            else:
                _tell_requester(request_obj, "confirm", link=tracking_link(token))
    except IntegrityError:
        # The same form sent twice at the same moment: the other one won.
        existing = Request.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return Created(existing, None, False)
    return Created(request_obj, token, True)


def _submit(request_obj: Request) -> None:
    now = timezone.now()
    request_obj.submitted_at = now
    request_obj.save(update_fields=["submitted_at"])
    for case in request_obj.cases.select_related("organization"):
        _receive(case, now=now)


def _receive(case: Case, *, now: datetime.datetime, by=None, message: str = "") -> None:
    """A case reaches its organisation: dated, and its members told (the team when
    the organisation has no member yet, so that nothing waits unseen)."""
    case.received_at = now
    case.save(update_fields=["received_at"])
    _event(case, EventKind.RECEIVED, by=by, message=message)
    recipients = member_emails(case.organization_id)
    orphan = not recipients
    mail.send_after_commit(
        template="referrals/email/new_case",
        context={"case": case, "request": case.request, "link": case_link(case), "orphan": orphan},
        recipients=recipients or team_emails(),
    )


def request_by_token(token: str) -> Request | None:
    if not token or len(token) > 100:
        return None
    return Request.objects.filter(token_hash=hash_token(token), anonymised_at__isnull=True).first()


def request_confirm(*, request_obj: Request) -> bool:
    """The requester confirmed their address (they opened the private link): the
    request is sent. True when this call sent it; False when it already was."""
    with transaction.atomic():
        locked = Request.objects.select_for_update().get(pk=request_obj.pk)
        if locked.submitted_at is not None:
            return False
        _submit(locked)
    request_obj.refresh_from_db()
    return True


# --- handling a case ---------------------------------------------------------------------


def case_take(*, case: Case, by) -> Case:
    _require(by, case)
    with transaction.atomic():
        locked = _locked(case)
        _move(locked, TAKEN, by=by)
        _tell_requester(locked.request, "taken", case=locked)
    case.refresh_from_db()
    return locked


def case_answer(*, case: Case, by, message: str) -> Case:
    """Answer the requester (the message is shown to them and e-mailed)."""
    _require(by, case)
    text = _clean_message(message)
    with transaction.atomic():
        locked = _locked(case)
        _move(locked, ANSWERED, by=by, message=text, kind=EventKind.ANSWER)
        _tell_requester(locked.request, "answered", case=locked, message=text)
    case.refresh_from_db()
    return locked


def case_close(*, case: Case, by, message: str = "") -> Case:
    """Close a case. Closing one that was never answered needs a reason, which the
    requester sees. The requester is then asked whether they were satisfied."""
    _require(by, case)
    with transaction.atomic():
        locked = _locked(case)
        text = _clean_message(message, required=locked.status != ANSWERED, field="message")
        _move(locked, CLOSED, by=by, message=text)
        _tell_requester(locked.request, "closed", case=locked, message=text)
    case.refresh_from_db()
    return locked


def case_redirect(*, case: Case, by, organization: Organization, reason: str, subject=None) -> Case:
    """Send the request on to another organisation: this case ends as redirected
    (the reason is kept and shown to the requester), the other gets a new case."""
    _require(by, case)
    text = _clean_message(reason, field="reason")
    if organization.pk == case.organization_id:
        raise RequestError({"organization": _("Choose another organisation than the one handling the request.")})
    if organization.status != "published":
        raise RequestError({"organization": _("This organisation is not in the directory.")})
    with transaction.atomic():
        locked = _locked(case)
        if locked.request.cases.filter(organization=organization).exclude(status__in=[CLOSED, REDIRECTED]).exists():
            raise RequestError({"organization": _("This organisation already has this request.")})
        _move(locked, REDIRECTED, by=by, message=text)
        new_case = Case.objects.create(
            request=locked.request,
            organization=organization,
            redirected_from=locked,
            subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
            subject_id=subject.pk if subject is not None else None,
            subject_label=_subject_label(subject)[:220],
        )
        _receive(new_case, now=timezone.now(), by=by, message=text)
        _tell_requester(locked.request, "redirected", case=locked, new_case=new_case, message=text)
    case.refresh_from_db()
    return new_case


def case_note(*, case: Case, by, message: str) -> CaseEvent:
    """An internal note, seen by the handlers only."""
    _require(by, case)
    return _event(case, EventKind.NOTE, by=by, message=_clean_message(message), public=False)


def requester_message(*, case: Case, message: str) -> CaseEvent:
    """The requester adds a message from their private page; the handlers are told."""
    text = _clean_message(message)
    if case.status in (CLOSED, REDIRECTED):
        raise RequestError(_("This request is closed; send a new one if you need more help."))
    with transaction.atomic():
        event = _event(case, EventKind.REQUESTER, message=text)
        mail.send_after_commit(
            template="referrals/email/requester_message",
            context={"case": case, "request": case.request, "link": case_link(case), "message": text},
            recipients=member_emails(case.organization_id) or team_emails(),
        )
    return event


def case_rate(*, case: Case, satisfaction: int, comment: str = "") -> Case:
    """The requester says how satisfied they are (1 to 5) once the case is closed."""
    if case.status != CLOSED or case.first_answer_at is None:
        raise RequestError(_("You can rate the answer once the request is closed."))
    if satisfaction not in range(1, 6):
        raise RequestError({"satisfaction": _("Choose a mark from 1 to 5.")})
    case.satisfaction = satisfaction
    case.satisfaction_comment = _clean_message(comment, required=False, field="comment")
    case.satisfaction_at = timezone.now()
    case.save(update_fields=["satisfaction", "satisfaction_comment", "satisfaction_at"])
    return case


def case_report_outcome(*, case: Case, outcome: str, comment: str = "") -> Case:
    """What came of the request, asked by the follow-up (also possible once closed)."""
    if case.status != CLOSED:
        raise RequestError(_("You can tell us what came of it once the request is closed."))
    if outcome not in Outcome.values:
        raise RequestError({"outcome": _("Choose one of the answers.")})
    case.outcome = outcome
    case.outcome_comment = _clean_message(comment, required=False, field="comment")
    case.outcome_at = timezone.now()
    case.save(update_fields=["outcome", "outcome_comment", "outcome_at"])
    return case


# --- scheduled work (management commands meant for cron) -----------------------------------


def reminders_due(*, now: datetime.datetime | None = None) -> list[tuple[Case, int]]:
    """Open cases with no answer whose age passed the next reminder step
    (``REQUESTS_REMINDER_DAYS``): [(case, step number from 1)]."""
    now = now or timezone.now()
    steps = sorted(settings.REQUESTS_REMINDER_DAYS)
    due = []
    cases = Case.objects.submitted().filter(status__in=OPEN_STATUSES, first_answer_at__isnull=True)
    for case in cases.select_related("request", "organization").order_by("received_at"):
        if case.reminders_sent >= len(steps):
            continue
        # One reminder per run even when several steps passed (a late cron).
        if now - case.received_at >= datetime.timedelta(days=steps[case.reminders_sent]):
            due.append((case, case.reminders_sent + 1))
    return due


def reminders_send(*, now: datetime.datetime | None = None, dry_run: bool = False) -> list[tuple[Case, int]]:
    due = reminders_due(now=now)
    if dry_run:
        return due
    for case, step in due:
        with transaction.atomic():
            locked = _locked(case)
            if locked.reminders_sent >= step or locked.status not in OPEN_STATUSES:
                continue
            locked.reminders_sent = step
            locked.last_reminder_at = timezone.now()
            locked.save(update_fields=["reminders_sent", "last_reminder_at"])
            _event(locked, EventKind.REMINDER, public=False, message=str(step))
            recipients = member_emails(locked.organization_id)
            last = step == len(settings.REQUESTS_REMINDER_DAYS)
            if last or not recipients:  # the last reminder also goes to the team
                recipients = sorted(set(recipients) | set(team_emails()))
            age = (timezone.now() - locked.received_at).days
            mail.send_after_commit(
                template="referrals/email/reminder",
                context={"case": locked, "request": locked.request, "link": case_link(locked), "days": age},
                recipients=recipients,
            )
    return due


def followups_due(*, now: datetime.datetime | None = None):
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=settings.REQUESTS_FOLLOWUP_DAYS)
    return (
        Case.objects.filter(
            status=CLOSED,
            first_answer_at__isnull=False,
            closed_at__lte=limit,
            followup_sent_at__isnull=True,
            outcome="",
            request__anonymised_at__isnull=True,
        )
        .select_related("request", "organization")
        .order_by("closed_at")
    )


def followups_send(*, now: datetime.datetime | None = None, dry_run: bool = False) -> list[Case]:
    """Ask requesters, a while after closing, what came of their request. The
    private link cannot be rebuilt from its hash, so a new one is issued."""
    due = list(followups_due(now=now))
    if dry_run:
        return due
    for case in due:
        with transaction.atomic():
            request_obj = Request.objects.select_for_update().get(pk=case.request_id)
            token = request_obj.set_token()
            request_obj.save(update_fields=["token_hash"])
            Case.objects.filter(pk=case.pk).update(followup_sent_at=timezone.now())
            _tell_requester(request_obj, "followup", case=case, link=tracking_link(token))
    return due


def link_resend(*, email: str) -> int:
    """Send a fresh private link for each request of this address (the old links
    stop working). Returns how many; the page says the same whatever the count."""
    count = 0
    for request_obj in Request.objects.filter(email__iexact=email.strip(), anonymised_at__isnull=True):
        with transaction.atomic():
            token = request_obj.set_token()
            request_obj.save(update_fields=["token_hash"])
            template = "receipt" if request_obj.is_submitted else "confirm"
            _tell_requester(request_obj, template, link=tracking_link(token))
        count += 1
    return count


ANONYMISED = "—"


def _anonymise(request_obj: Request, now: datetime.datetime) -> None:
    Request.objects.filter(pk=request_obj.pk).update(
        name="",
        email="",
        phone="",
        company_name="",
        siren="",
        siret="",
        message=ANONYMISED,
        details={},
        user=None,
        anonymised_at=now,
    )
    CaseEvent.objects.filter(case__request=request_obj).exclude(message="").update(message=ANONYMISED)
    Case.objects.filter(request=request_obj).update(satisfaction_comment="", outcome_comment="")


def requests_anonymise(*, now: datetime.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Anonymise requests whose last activity is older than the retention period,
    and delete requests never confirmed within ``REQUESTS_UNCONFIRMED_DAYS``.
    Statuses, dates, marks and outcomes stay, so the statistics do not change."""
    now = now or timezone.now()
    retention = now - datetime.timedelta(days=settings.REQUESTS_RETENTION_DAYS)
    unconfirmed = Request.objects.filter(
        submitted_at__isnull=True, created_at__lt=now - datetime.timedelta(days=settings.REQUESTS_UNCONFIRMED_DAYS)
    )
    recent_activity = Q(cases__events__at__gte=retention) | Q(cases__status__in=OPEN_STATUSES)
    old = (
        Request.objects.submitted()
        .filter(anonymised_at__isnull=True, submitted_at__lt=retention)
        .exclude(pk__in=Request.objects.filter(recent_activity).values("pk"))
    )
    counts = {"anonymised": old.count(), "deleted_unconfirmed": unconfirmed.count()}
    if not dry_run:
        with transaction.atomic():
            for request_obj in old.select_for_update():
                _anonymise(request_obj, now)
            unconfirmed.delete()
    return counts


# --- personal data (registered in apps.py) -------------------------------------------------


def erase_for_user(user) -> None:
    """Account deletion: the person's requests are anonymised (providers keep the
    dated handling, without who asked)."""
    now = timezone.now()
    for request_obj in Request.objects.filter(user=user):
        _anonymise(request_obj, now)
