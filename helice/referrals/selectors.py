"""Reads of the request engine: inboxes, a case with its history, statistics."""

from __future__ import annotations

import datetime
import functools
import statistics as stats
from collections import Counter
from dataclasses import dataclass, field

import holidays
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from helice.accounts.rules import organization_roles
from helice.directory.models import Organization

from .models import OPEN_STATUSES, Case, CaseStatus, Outcome, Request


def inbox_organizations(user) -> list[Organization]:
    """The organisations whose requests ``user`` sees: their own; every one that
    received a request for the team and the administrators."""
    if user.has_perm("referrals.see_all_cases"):
        return list(
            Organization.objects.filter(Q(cases__isnull=False) | Q(pk__in=organization_roles(user)))
            .distinct()
            .order_by("name")
        )
    return list(Organization.objects.filter(pk__in=organization_roles(user)).order_by("name"))


def inbox(user, *, organization: Organization | None = None, status: str = "", overdue: bool = False) -> QuerySet[Case]:
    """Submitted cases ``user`` may handle, newest first, optionally narrowed."""
    cases = Case.objects.submitted().select_related("request", "organization", "assignee")
    if not user.has_perm("referrals.see_all_cases"):
        cases = cases.filter(organization_id__in=organization_roles(user))
    if organization is not None:
        cases = cases.filter(organization=organization)
    if status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif status in CaseStatus.values:
        cases = cases.filter(status=status)
    if overdue:
        cases = cases.filter(status__in=OPEN_STATUSES, first_answer_at__isnull=True).filter(
            received_at__lt=timezone.now() - datetime.timedelta(days=min(settings.REQUESTS_REMINDER_DAYS or [7]))
        )
    return cases.order_by("-received_at", "-pk")


def open_count(user, organization: Organization) -> int:
    return Case.objects.submitted().filter(organization=organization, status__in=OPEN_STATUSES).count()


def case_for(user, pk: int) -> Case | None:
    """The case if ``user`` may handle it, else None (the view answers 404)."""
    case = (
        Case.objects.submitted()
        .select_related("request", "request__sector", "request__commune", "organization", "assignee", "redirected_from")
        .filter(pk=pk)
        .first()
    )
    if case is None or not user.has_perm("referrals.handle_case", case):
        return None
    return case


def history(case: Case, *, public_only: bool = False):
    events = case.events.select_related("actor")
    return events.filter(public=True) if public_only else events


def requester_cases(request_obj: Request) -> list[Case]:
    """The request's cases with the events the requester may see (``public_events``)."""
    cases = list(
        request_obj.cases.select_related("organization", "redirected_from__organization")
        .prefetch_related("events")
        .order_by("pk")
    )
    for case in cases:
        case.public_events = [e for e in case.events.all() if e.public]
    return cases


def my_requests(user) -> QuerySet[Request]:
    return Request.objects.filter(user=user, anonymised_at__isnull=True).prefetch_related("cases__organization")


# --- statistics ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("FR", years=year).keys())


def working_days_between(start: datetime.datetime, end: datetime.datetime) -> float:
    """Working days (Monday to Friday, French public holidays excluded) elapsed
    from ``start`` to ``end``, counting fractions of the first and last days; a
    weekend or a holiday adds nothing."""
    if end <= start:
        return 0.0
    tz = timezone.get_current_timezone()
    start, end = start.astimezone(tz), end.astimezone(tz)
    total = 0.0
    day = start.date()
    while day <= end.date():
        if day.weekday() < 5 and day not in _holidays(day.year):
            day_start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
            day_end = day_start + datetime.timedelta(days=1)
            overlap = min(end, day_end) - max(start, day_start)
            total += max(overlap.total_seconds(), 0) / 86400
        day += datetime.timedelta(days=1)
    return total


@dataclass
class Statistics:
    received: int = 0
    open: int = 0
    answered: int = 0
    redirected: int = 0
    answered_in_time: int = 0
    median_days_to_answer: float | None = None
    satisfaction_average: float | None = None
    satisfaction_count: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def share_in_time(self) -> float | None:
        """Share of the requests received (redirections excluded) answered within the
        working-day limit; None before any request."""
        base = self.received - self.redirected
        return None if base <= 0 else self.answered_in_time / base

    @property
    def share_in_time_percent(self) -> int | None:
        share = self.share_in_time
        return None if share is None else round(share * 100)

    def outcome_rows(self) -> list[tuple[str, int]]:
        return [(label, self.outcomes.get(value, 0)) for value, label in Outcome.choices]


def _period_cases(year: int | None) -> QuerySet[Case]:
    cases = Case.objects.submitted().filter(routing=False)
    if year:
        cases = cases.filter(received_at__year=year)
    return cases


STAT_FIELDS = ("status", "received_at", "first_answer_at", "satisfaction", "outcome")


def compute(cases: QuerySet[Case]) -> Statistics:
    """The figures of a set of cases (the rules are in docs/requests.md)."""
    return _compute(list(cases.values_list(*STAT_FIELDS)))


def _compute(rows: list[tuple]) -> Statistics:
    result = Statistics(received=len(rows))
    limit = settings.REQUESTS_ANSWER_WORKING_DAYS
    delays = []
    marks = []
    outcomes = Counter()
    for status, received, answered, satisfaction, outcome in rows:
        if status in OPEN_STATUSES:
            result.open += 1
        if status == CaseStatus.REDIRECTED:
            result.redirected += 1
        if answered is not None:
            result.answered += 1
            delay = working_days_between(received, answered)
            delays.append(delay)
            if delay <= limit:
                result.answered_in_time += 1
        if satisfaction:
            marks.append(satisfaction)
        if outcome:
            outcomes[outcome] += 1
    if delays:
        result.median_days_to_answer = round(stats.median(delays), 1)
    if marks:
        result.satisfaction_average = round(sum(marks) / len(marks), 1)
        result.satisfaction_count = len(marks)
    result.outcomes = dict(outcomes)
    return result


def organization_statistics(organization: Organization, *, year: int | None = None) -> Statistics:
    return compute(_period_cases(year).filter(organization=organization))


def territory_statistics(*, year: int | None = None, kind: str = "") -> Statistics:
    cases = _period_cases(year)
    if kind:
        cases = cases.filter(request__kind=kind)
    return compute(cases)


def statistics_by_organization(*, year: int | None = None) -> list[tuple[Organization, Statistics]]:
    """Every organisation that received at least one request in the period, by name."""
    grouped: dict[int, list[tuple]] = {}
    for organization_id, *row in _period_cases(year).values_list("organization", *STAT_FIELDS):
        grouped.setdefault(organization_id, []).append(tuple(row))
    organizations = Organization.objects.filter(pk__in=grouped).order_by("name")
    return [(org, _compute(grouped[org.pk])) for org in organizations]


def statistics_years() -> list[int]:
    dates = Case.objects.submitted().dates("received_at", "year", order="DESC")
    return [d.year for d in dates]
