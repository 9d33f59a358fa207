"""What partners do with the agenda from their space, and the import of their
calendar feeds. Every change of an event goes through the moderation mechanism
(helice.moderation), exactly as the guichet's services: published at once for
a trusted organisation or a moderator, held for review otherwise.

- ``event_propose``: a new event organised by the organisation, created as a
  draft shell and submitted as a revision of new content (with its dates,
  ``revisions.TIME_SLOTS``); it becomes public when that revision is published.
- ``event_submit``: a change of an existing event (a new revision).
- ``event_cancel``: once published, an event is cancelled, never deleted
  (its status becomes "cancelled", so calendars that subscribed see it).
- ``feed_register`` / ``feed_set_active`` / ``feed_delete``: the organisation's
  calendar feeds (at most ``MAX_FEEDS_PER_ORGANIZATION``; the address checked by
  ``fetch.check_url``).
- ``feed_import``: fetch a feed, read it (``ical_in``), create, update and
  cancel its events keyed by (feed, UID), all or nothing; record the outcome on
  the feed and mail its organisation's members on the first failure and on
  recovery.

Functions are keyword-only and transactional; they raise ``PermissionDenied``,
or ``ValidationError`` keyed by field for bad input (then nothing is saved)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from helice.core import mail
from helice.core.roles import MODERATOR
from helice.directory.models import Organization, PublicationStatus
from helice.moderation import selectors as moderation_selectors
from helice.moderation import services as moderation
from helice.moderation.registry import adapter_for

from . import fetch as fetch_module
from . import ical_in
from .models import CalendarFeed, Event, EventStatus, FeedStatus
from .revisions import TIME_SLOTS, slot_state

logger = logging.getLogger(__name__)

MAX_FEEDS_PER_ORGANIZATION = 3


# --- Events ----------------------------------------------------------------------


def unique_event_slug(title: str) -> str:
    base = (slugify(title) or "evenement")[:200].strip("-") or "evenement"
    slug, n = base, 2
    while Event.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _validate(state: dict) -> None:
    """The model's own rules on what the partner (or the feed) gave: lengths,
    choices, place here or abroad, each time slot. ValidationError keyed by field."""
    adapter = adapter_for(Event)
    candidate, _related = adapter.preview(Event(), state)
    plain = [name for name in adapter.fields if name != TIME_SLOTS]
    candidate.full_clean(
        exclude=[f.name for f in Event._meta.fields if f.name not in plain] + ["slug", "uid"],
        validate_unique=False,
    )
    for slot in _related.get(TIME_SLOTS, []):
        try:
            slot.full_clean(exclude=["event"])
        except ValidationError as error:
            raise ValidationError({TIME_SLOTS: error.messages}) from None


def _create_shell(*, organization: Organization, state: dict, feed: CalendarFeed | None = None, uid: str = "") -> Event:
    event = Event(
        title_fr=state["title_fr"],
        kind=state["kind"],
        status=PublicationStatus.DRAFT,
        publish_on_approval=True,
        source_feed=feed,
        source_uid=uid,
        # Where its facts come from: the partner's feed (its address and the UID there).
        sources=f"{feed.url} (UID {uid})" if feed is not None else "",
    )
    for attempt in range(5):  # two partners may pick the same title at the same moment
        event.slug = unique_event_slug(state["title_fr"])
        try:
            with transaction.atomic():
                event.save()
            break
        except IntegrityError:
            if attempt == 4:
                raise
    event.organisers.set([organization])
    return event


@transaction.atomic
def event_propose(*, organization: Organization, by, data: dict, comment: str = ""):
    """``by`` proposes a new event organised by ``organization`` (its members and
    moderators: ``agenda.add_event``). ``data`` is the editable state as a
    revision holds it (``EventPartnerForm.proposed_data()``), time slots
    included. Returns ``(event, revision)``."""
    if not by.has_perm("agenda.add_event", organization):
        raise PermissionDenied
    adapter = adapter_for(Event)
    state = {**adapter.blank(), **{k: v for k, v in data.items() if k in adapter.fields}}
    state["title_fr"] = " ".join(str(state.get("title_fr") or "").split())
    _validate(state)
    event = _create_shell(organization=organization, state=state)
    revision = moderation.revision_submit(obj=event, data=state, author=by, comment=comment, new=True)
    event.refresh_from_db()
    return event, revision


def is_new_proposal(event: Event) -> bool:
    return event.publish_on_approval and event.status == PublicationStatus.DRAFT


@transaction.atomic
def event_submit(*, event: Event, by, data: dict, comment: str = ""):
    """``by`` changes ``event`` (``agenda.edit_event``): a revision, published at
    once or held for review. ``RevisionError`` when nothing changed."""
    if not by.has_perm("agenda.edit_event", event):
        raise PermissionDenied
    adapter = adapter_for(Event)
    state = {**moderation_selectors.editing_state(event), **{k: v for k, v in data.items() if k in adapter.fields}}
    _validate(state)
    return moderation.revision_submit(obj=event, data=state, author=by, comment=comment, new=is_new_proposal(event))


@transaction.atomic
def event_cancel(*, event: Event, by, note: str = ""):
    """Cancel ``event``: its status becomes "cancelled" (with ``note`` as the
    reason shown), never deleted; through moderation like any change."""
    if not by.has_perm("agenda.edit_event", event):
        raise PermissionDenied
    state = moderation_selectors.editing_state(event)
    if state.get("event_status") == EventStatus.CANCELLED:
        raise moderation.RevisionError(_("This event is already cancelled."))
    state["event_status"] = EventStatus.CANCELLED
    note = " ".join((note or "").split())[:300]
    if note:
        state["status_note_fr"] = note
    return moderation.revision_submit(obj=event, data=state, author=by, new=is_new_proposal(event))


# --- Feeds -----------------------------------------------------------------------


@transaction.atomic
def feed_register(*, organization: Organization, by, url: str, default_kind: str) -> CalendarFeed:
    if not by.has_perm("agenda.manage_feeds", organization):
        raise PermissionDenied
    try:
        url = fetch_module.check_url(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from None
    feeds = CalendarFeed.objects.select_for_update().filter(organization=organization)
    if feeds.filter(url=url).exists():
        raise ValidationError({"url": _("This feed is already registered for your organisation.")})
    if feeds.count() >= MAX_FEEDS_PER_ORGANIZATION:
        raise ValidationError(
            {
                "url": _("An organisation has at most %(max)s feeds: delete one first.")
                % {"max": MAX_FEEDS_PER_ORGANIZATION}
            }
        )
    feed = CalendarFeed(organization=organization, url=url, default_kind=default_kind)
    feed.full_clean()
    feed.save()
    return feed


@transaction.atomic
def feed_set_active(*, feed: CalendarFeed, by, active: bool) -> CalendarFeed:
    if not by.has_perm("agenda.edit_feed", feed):
        raise PermissionDenied
    feed.active = active
    feed.save(update_fields=["active", "updated_at"])
    return feed


@transaction.atomic
def feed_delete(*, feed: CalendarFeed, by) -> None:
    """The feed goes; the events it brought stay as they are (no longer updated)."""
    if not by.has_perm("agenda.edit_feed", feed):
        raise PermissionDenied
    feed.delete()


@dataclass
class ImportReport:
    feed_id: int
    status: str = FeedStatus.OK
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    pending: int = 0  # changes waiting for a moderator
    problems: list[str] = field(default_factory=list)
    error: str = ""
    error_code: str = ""

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "cancelled": self.cancelled,
            "unchanged": self.unchanged,
            "pending": self.pending,
            "problems": self.problems[:100],
            "error_code": self.error_code,
        }

    def summary(self) -> str:
        if self.status == FeedStatus.ERROR:
            return f"feed {self.feed_id}: failed ({self.error_code}): {self.error}"
        if self.status == FeedStatus.NOT_MODIFIED:
            return f"feed {self.feed_id}: not modified"
        return (
            f"feed {self.feed_id}: {self.created} created, {self.updated} updated, {self.cancelled} cancelled, "
            f"{self.unchanged} unchanged, {self.pending} awaiting review, {len(self.problems)} skipped"
        )


def _imported_state(base: dict, item: ical_in.ImportedEvent, *, new: bool, default_kind: str) -> dict:
    """What the feed says about one event, over ``base`` (its current state):
    the feed owns the title, description, venue, website, dates and
    cancellation; the rest (kind, sectors, audiences, place details) stays as
    the partner or a moderator completed it."""
    state = dict(base)
    state["title_fr"] = item.title
    state["description_fr"] = item.description
    state["venue_name"] = item.venue_name
    state["website"] = item.website
    state[TIME_SLOTS] = sorted(
        (slot_state(start=s.start, end=s.end, all_day=s.all_day, time_zone=s.time_zone) for s in item.slots),
        key=lambda s: (s["start"], s["end"] or "", s["time_zone"], s["all_day"]),
    )
    if item.cancelled:
        state["event_status"] = EventStatus.CANCELLED
    elif new or base.get("event_status") == EventStatus.CANCELLED:
        state["event_status"] = EventStatus.SCHEDULED
    if new:
        # What a feed does not say stays unsaid: no kind unless CATEGORIES or the
        # feed's setting gives one, no place scope nor country.
        state["kind"] = item.kind or default_kind
        state["scope"] = ""
        state["country"] = ""
    return state


def _submit_imported(event: Event, state: dict, report: ImportReport, *, new: bool) -> None:
    revision = moderation.revision_submit_imported(obj=event, data=state, new=new)
    if revision.status == "pending":
        report.pending += 1


def _upcoming_or_undated(event: Event, now) -> bool:
    end = event.ends_at or event.starts_at
    return end is None or end >= now


def _write(feed: CalendarFeed, parsed: ical_in.ParsedFeed, report: ImportReport, now) -> None:
    from django.contrib.contenttypes.models import ContentType

    from helice.moderation.models import Revision

    adapter = adapter_for(Event)
    existing = {
        e.source_uid: e
        for e in Event.objects.filter(source_feed=feed).prefetch_related("organisers", "sectors", "time_slots")
    }
    # The changes waiting for review, read once for the whole feed.
    waiting = {
        r.object_id: r
        for r in Revision.objects.pending()
        .filter(
            content_type=ContentType.objects.get_for_model(Event),
            object_id__in=[e.pk for e in existing.values()],
        )
        .order_by("id")
    }
    for uid, item in parsed.events.items():
        event = existing.get(uid)
        if event is None:
            state = _imported_state(adapter.blank(), item, new=True, default_kind=feed.default_kind)
            try:
                _validate(state)
            except ValidationError as error:
                report.problems.append(f"“{item.title}”: " + " ".join(error.messages))
                continue
            event = _create_shell(organization=feed.organization, state=state, feed=feed, uid=uid)
            _submit_imported(event, state, report, new=True)
            report.created += 1
            continue
        base = moderation_selectors.editing_state(event, pending=waiting.get(event.pk))
        state = _imported_state(base, item, new=False, default_kind=feed.default_kind)
        if state == base:
            report.unchanged += 1
            continue
        try:
            _validate(state)
        except ValidationError as error:
            report.problems.append(f"“{item.title}”: " + " ".join(error.messages))
            continue
        _submit_imported(event, state, report, new=is_new_proposal(event))
        report.updated += 1
    for uid, event in existing.items():
        if uid in parsed.events or not _upcoming_or_undated(event, now):
            continue  # past events leave feeds all the time: they happened, they stay
        base = moderation_selectors.editing_state(event, pending=waiting.get(event.pk))
        if base.get("event_status") == EventStatus.CANCELLED:
            continue
        _submit_imported(event, {**base, "event_status": EventStatus.CANCELLED}, report, new=is_new_proposal(event))
        report.cancelled += 1


def feed_import(*, feed: CalendarFeed, fetch=None, dry_run: bool = False, now=None) -> ImportReport:
    """Import one feed (see the module's doc). Never raises for a bad feed: the
    failure is recorded on the feed and returned in the report. ``fetch``
    replaces ``fetch.fetch`` (tests); ``dry_run`` reads and compares everything
    and saves nothing (no mail either)."""
    fetch = fetch or fetch_module.fetch
    now = now or timezone.now()
    report = ImportReport(feed_id=feed.pk)
    result = None
    try:
        result = fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if result.status == 304:
            report.status = FeedStatus.NOT_MODIFIED
        else:
            parsed = ical_in.parse_feed(result.body, now=now)
            report.problems = list(parsed.problems)
            with transaction.atomic():
                # Two runs at once (cron overlapping a manual run) take turns on a feed.
                list(CalendarFeed.objects.select_for_update().filter(pk=feed.pk).values_list("pk", flat=True))
                _write(feed, parsed, report, now)
                if dry_run:
                    transaction.set_rollback(True)
    except fetch_module.FeedError as error:
        report.status, report.error, report.error_code = FeedStatus.ERROR, error.message, error.code
    except Exception:  # a bug or the database: the feed's changes are rolled back, the other feeds go on
        logger.exception("Import of calendar feed %s failed", feed.pk)
        report.status, report.error_code = FeedStatus.ERROR, "internal"
        report.error = _("The import failed on Hélice's side; the team is told. Nothing of this feed was changed.")
    if not dry_run:
        _record(feed, report, result, now)
    return report


@transaction.atomic
def _record(feed: CalendarFeed, report: ImportReport, result, now) -> None:
    feed = CalendarFeed.objects.select_for_update().select_related("organization").get(pk=feed.pk)
    was_failing = feed.failures > 0
    feed.last_fetched_at = now
    feed.last_status = report.status
    if report.status == FeedStatus.ERROR:
        feed.failures += 1
        feed.last_error = report.error
        feed.last_report = report.as_dict()
    else:
        feed.failures = 0
        feed.last_error = ""
        if report.status == FeedStatus.OK:
            feed.last_report = report.as_dict()
            feed.etag, feed.last_modified = result.etag, result.last_modified
    feed.save()
    if report.status == FeedStatus.ERROR and not was_failing:
        _mail_partner(feed, "agenda/email/feed_failed")
    elif report.status != FeedStatus.ERROR and was_failing:
        _mail_partner(feed, "agenda/email/feed_recovered")
    if report.pending:
        _mail_moderators(feed, report)


def _feeds_link(feed: CalendarFeed) -> str:
    return mail.absolute(reverse("agenda_partner:feeds", kwargs={"organization_slug": feed.organization.slug}))


def _mail_partner(feed: CalendarFeed, template: str) -> None:
    from helice.referrals.services import member_emails

    mail.send_after_commit(
        template=template,
        context={"feed": feed, "url": _feeds_link(feed)},
        recipients=member_emails(feed.organization_id),
    )


def _mail_moderators(feed: CalendarFeed, report: ImportReport) -> None:
    mail.send_after_commit(
        template="agenda/email/feed_to_review",
        context={"feed": feed, "count": report.pending, "url": mail.absolute(reverse("moderation:queue"))},
        recipients=mail.role_emails(MODERATOR),
    )


def feeds_import(*, feed_id: int | None = None, fetch=None, dry_run: bool = False) -> list[ImportReport]:
    """Import every active feed (or the one ``feed_id``, even paused), one after
    the other; one feed's failure never stops the others."""
    feeds = CalendarFeed.objects.select_related("organization").order_by("id")
    feeds = feeds.filter(pk=feed_id) if feed_id is not None else feeds.filter(active=True)
    return [feed_import(feed=feed, fetch=fetch, dry_run=dry_run) for feed in feeds]
