"""Reminders to the operators of spaces whose availability is stale (cron:
``manage.py remind_space_operators``, docs/spaces.md).

A published space (not "to be created") is due when its availability was never
confirmed or was confirmed longer ago than ``SPACES_AVAILABILITY_MAX_AGE_DAYS``,
and its operators were not reminded in the last ``SPACES_REMINDER_INTERVAL_DAYS``.
Every active member with an address of one of its operating organisations gets
one mail listing their spaces due, with a link to confirm each."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from helice.accounts.models import Membership
from helice.core import mail

from . import selectors
from .models import Space, availability_max_age

TEMPLATE = "spaces/email/availability_due"
DEFAULT_INTERVAL_DAYS = 14


def interval() -> datetime.timedelta:
    return datetime.timedelta(days=int(getattr(settings, "SPACES_REMINDER_INTERVAL_DAYS", DEFAULT_INTERVAL_DAYS)))


def spaces_due(*, now: datetime.datetime | None = None) -> list[tuple[object, list[Space]]]:
    """[(person, [space, …])] for every operator member with a space due, people
    and spaces in a stable order."""
    now = now or timezone.now()
    spaces = list(selectors.spaces_needing_confirmation(now, reminded_before=now - interval()))
    by_organization: dict[int, list[Space]] = {}
    for space in spaces:
        for operator in space.operators.all():
            by_organization.setdefault(operator.pk, []).append(space)
    by_user: dict[int, dict[int, Space]] = {}
    memberships = Membership.objects.filter(organization_id__in=by_organization).values_list(
        "user_id", "organization_id"
    )
    for user_id, organization_id in memberships:
        for space in by_organization[organization_id]:
            by_user.setdefault(user_id, {})[space.pk] = space
    people = (
        get_user_model()
        .objects.filter(pk__in=by_user, is_active=True, deleted_at__isnull=True)
        .exclude(email__isnull=True)
        .exclude(email="")
        .order_by("pk")
    )
    return [(person, sorted(by_user[person.pk].values(), key=lambda s: (s.name_key, s.pk))) for person in people]


@transaction.atomic
def operators_remind(*, now: datetime.datetime | None = None, dry_run: bool = False):
    """Mail each operator member the list of their spaces due (queued in the
    outbox: a mail server that is down loses nothing) and note the reminder on
    the spaces, so the next run waits ``SPACES_REMINDER_INTERVAL_DAYS``. Returns
    what ``spaces_due`` found; ``dry_run`` sends and records nothing."""
    now = now or timezone.now()
    due = spaces_due(now=now)
    if dry_run:
        return due
    reminded: set[int] = set()
    for person, spaces in due:
        mail.send_after_commit(
            template=TEMPLATE,
            context={"person": person, "spaces": spaces, "max_age_days": availability_max_age().days},
            recipients=[person.email],
        )
        reminded.update(s.pk for s in spaces)
    Space.objects.filter(pk__in=reminded).update(availability_reminded_at=now)
    return due
