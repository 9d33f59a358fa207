"""The agenda in the partner space: what an organisation's members see of its
events and calendar feeds (read side; the writes are in services_partner).

An event's state, for its organisers' members:

- ``draft``: not public, nothing waiting (a moderator's draft, or a new event
  whose proposal was withdrawn);
- ``pending``: a new event waiting for review;
- ``published``: public (``changes_pending`` when a change of it waits);
- ``refused``: the last proposal was refused, with the moderator's reason
  (a refused new event stays a draft that the partner can correct).

A cancelled event keeps its state and is marked cancelled."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from helice.core import sections
from helice.directory.models import Organization, PublicationStatus

from .models import CalendarFeed, Event, EventStatus

STATES = {
    "draft": _("Draft"),
    "pending": _("Awaiting review"),
    "published": _("Published"),
    "refused": _("Refused"),
}


@dataclass
class PartnerEventRow:
    event: Event
    state: str
    changes_pending: bool = False
    refusal: object = None  # the refused Revision, with its reason

    @property
    def state_label(self) -> str:
        return str(STATES[self.state])

    @property
    def public_url(self) -> str:
        """The event's public page, once published (and once the agenda's pages exist)."""
        from django.urls import NoReverseMatch

        if self.event.status != PublicationStatus.PUBLISHED:
            return ""
        try:
            return self.event.get_absolute_url()
        except NoReverseMatch:
            return ""

    @property
    def is_cancelled(self) -> bool:
        return self.event.event_status == EventStatus.CANCELLED


def organization_events(organization: Organization):
    """Every event (any status) the organisation organises, soonest first, dates
    to be confirmed last."""
    from django.db.models import F

    return (
        Event.objects.filter(organisers=organization)
        .select_related("commune")
        .order_by(F("starts_at").asc(nulls_last=True), "id")
    )


def rows_for(events) -> list[PartnerEventRow]:
    """Each event with its state (one query for the revisions)."""
    from helice.moderation.models import Revision, RevisionStatus

    events = list(events)
    latest: dict[int, Revision] = {}
    revisions = (
        Revision.objects.filter(
            content_type__app_label="agenda", content_type__model="event", object_id__in=[e.pk for e in events]
        )
        .exclude(status__in=[RevisionStatus.SUPERSEDED, RevisionStatus.WITHDRAWN])
        .only("id", "object_id", "status", "reason", "reviewed_at")
        .order_by("object_id", "-id")
    )
    for revision in revisions:
        latest.setdefault(revision.object_id, revision)
    rows = []
    for event in events:
        last = latest.get(event.pk)
        pending = last is not None and last.status == RevisionStatus.PENDING
        refused = last is not None and last.status == RevisionStatus.REJECTED
        if event.status == PublicationStatus.PUBLISHED:
            state = "published"
        elif refused:
            state = "refused"
        elif pending and event.publish_on_approval:
            state = "pending"
        else:
            state = "draft"
        rows.append(
            PartnerEventRow(
                event,
                state=state,
                changes_pending=pending and state == "published",
                refusal=last if refused else None,
            )
        )
    return rows


def _partner_events(organization, user=None):
    """The organisation's page in the partner space: its next events with their
    state, and the links to add one, list them all and manage its feeds."""
    if user is None or not user.has_perm("agenda.add_event", organization):
        return None
    events = organization_events(organization)
    return sections.Section(
        title=_("Your events in the agenda"),
        template="agenda/partner/_section.html",
        items={
            "rows": rows_for(events[:5]),
            "count": events.count(),
            "feeds": list(CalendarFeed.objects.filter(organization=organization).order_by("id")),
        },
        order=25,
    )


def register() -> None:
    sections.register("partner-space", _partner_events)
