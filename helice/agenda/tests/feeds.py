"""Helpers for the feed tests: iCalendar texts written by hand, and a fake fetch
(the one boundary with the network, see agenda.fetch)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from helice.agenda.fetch import FeedError, FetchResult


def stamp(days: int, hour: int = 9, minute: int = 0) -> str:
    """A local date-time ``days`` from today, in iCalendar's basic format."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return f"{day:%Y%m%d}T{hour:02d}{minute:02d}00"


def day(days: int) -> str:
    return f"{timezone.localdate() + datetime.timedelta(days=days):%Y%m%d}"


def vevent(
    uid: str | None = "ev-1", summary: str = "Forum de l'industrie", *lines: str, days: int = 30, tz="Europe/Paris"
):
    head = [f"UID:{uid}"] if uid is not None else []
    when = [
        f"DTSTART;TZID={tz}:{stamp(days, 9)}",
        f"DTEND;TZID={tz}:{stamp(days, 17)}",
    ]
    if any(line.startswith(("DTSTART", "DTEND")) for line in lines):
        when = []
    return "\r\n".join(
        ["BEGIN:VEVENT", *head, "DTSTAMP:20260101T000000Z", *when, f"SUMMARY:{summary}", *lines, "END:VEVENT"]
    )


def ics(*events: str, header: str = "") -> bytes:
    parts = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Partner//Test//FR"]
    if header:
        parts.append(header)
    parts += [*list(events), "END:VCALENDAR", ""]
    return "\r\n".join(parts).encode()


class FakeFetch:
    """Answers in turn (the last one repeats): bytes (a 200), a FetchResult, or a FeedError to raise."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls: list[tuple[str, str, str]] = []

    def __call__(self, url, *, etag="", last_modified=""):
        self.calls.append((url, etag, last_modified))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, FeedError):
            raise answer
        if isinstance(answer, FetchResult):
            return answer
        return FetchResult(status=200, body=answer, etag='"v1"', last_modified="Tue, 01 Dec 2026 10:00:00 GMT", url=url)
