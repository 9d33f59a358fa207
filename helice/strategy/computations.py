"""Indicators computed from Hélice's own data. An indicator whose ``computation``
names one of these gets a value per period from ``compute_indicators`` (cron),
stored like a manual value (``Measurement.computed``), so its history, chart and
status work the same. Each computation is documented here and in docs/strategy.md.

A computation is ``name`` or ``name:argument`` (``organizations_created:startup``)
and returns the value for the period [start, end] (both dates included).

The computations over the lower parts (directory, accounts, guichet, requests)
are written here. The parts built on top of the strategy (participation, agenda,
spaces) register theirs from their ``AppConfig.ready()`` with ``register``, so the
strategy never imports them."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Computation:
    name: str
    label: str
    compute: Callable[[datetime.date, datetime.date, str], Decimal]
    argument: str = ""  # what the argument means, when there is one


def _aware(day: datetime.date, end: bool = False) -> datetime.datetime:
    from django.utils import timezone

    moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    return timezone.make_aware(moment)


def organizations_created(start, end, kind: str = "") -> Decimal:
    """Published organisations of the directory founded in the period's years
    (``founding_year``; the directory records years, not dates), of one kind when given."""
    from helice.directory.models import Organization

    qs = Organization.objects.published().filter(founding_year__gte=start.year, founding_year__lte=end.year)
    if kind:
        qs = qs.filter(kind=kind)
    return Decimal(qs.count())


def partners_with_members(start, end, argument: str = "") -> Decimal:
    """Organisations with at least one member in the partner space at the end of
    the period (memberships created by then)."""
    from helice.accounts.models import Membership

    return Decimal(
        Membership.objects.filter(created_at__lte=_aware(end, end=True)).values("organization").distinct().count()
    )


def services_published(start, end, argument: str = "") -> Decimal:
    """Services of the guichet published at the end of the period (first published by then)."""
    from helice.guichet.models import Service

    return Decimal(Service.objects.published().filter(published_at__lte=_aware(end, end=True)).count())


def requests_received(start, end, kind: str = "") -> Decimal:
    """Requests that reached an organisation in the period (routing by the team
    excluded), of one kind (orientation, settlement) when given."""
    from helice.referrals.models import Case

    qs = Case.objects.submitted().filter(routing=False, received_at__range=(_aware(start), _aware(end, end=True)))
    if kind:
        qs = qs.filter(request__kind=kind)
    return Decimal(qs.count())


def requests_answered(start, end, kind: str = "") -> Decimal:
    """Requests first answered in the period, of one kind when given."""
    from helice.referrals.models import Case

    qs = Case.objects.filter(first_answer_at__range=(_aware(start), _aware(end, end=True)))
    if kind:
        qs = qs.filter(request__kind=kind)
    return Decimal(qs.count())


COMPUTATIONS: dict[str, Computation] = {
    c.name: c
    for c in (
        Computation(
            "organizations_created", _("Organisations founded in the period"), organizations_created, _("kind")
        ),
        Computation(
            "partners_with_members", _("Organisations with members in the partner space"), partners_with_members
        ),
        Computation("services_published", _("Services published in the guichet"), services_published),
        Computation(
            "requests_received", _("Requests received by organisations"), requests_received, _("kind of request")
        ),
        Computation("requests_answered", _("Requests answered"), requests_answered, _("kind of request")),
    )
}


def register(computation: Computation) -> None:
    """Make a computation available to indicators (``Indicator.computation``)."""
    COMPUTATIONS[computation.name] = computation


def parse(spec: str) -> tuple[Computation, str]:
    """The computation and its argument; KeyError for an unknown name."""
    name, _sep, argument = spec.partition(":")
    return COMPUTATIONS[name], argument


def value(spec: str, start: datetime.date, end: datetime.date) -> Decimal:
    computation, argument = parse(spec)
    return computation.compute(start, end, argument)
