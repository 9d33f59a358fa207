"""How a settlement request's own details read (registered with
``referrals.kinds`` in apps.py), for the operators' inbox, the case page and the
requester's private page. The common fields (who, company, sector, the commune
wished, the message) are shown by the request engine itself."""

from __future__ import annotations

import datetime

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import formats
from django.utils.translation import gettext

from .models import PathPhase, SpaceKind


def _number(value) -> str:
    return intcomma(value) if isinstance(value, int) else str(value)


def surface_text(low, high) -> str:
    if low and high:
        if low == high:
            return gettext("%(n)s m²") % {"n": _number(low)}
        return gettext("%(low)s to %(high)s m²") % {"low": _number(low), "high": _number(high)}
    if low:
        return gettext("at least %(n)s m²") % {"n": _number(low)}
    if high:
        return gettext("at most %(n)s m²") % {"n": _number(high)}
    return ""


def describe(request) -> list[tuple[str, str]]:
    """The settlement-specific lines of a request, in reading order. A value the
    code no longer knows (a kind retired) is shown as stored, never dropped."""
    details = request.details or {}
    rows = []
    if request.stage:
        label = PathPhase(request.stage).label if request.stage in PathPhase.values else request.stage
        rows.append((gettext("Phase of the company"), str(label)))
    kind = details.get("space_kind")
    if kind:
        rows.append((gettext("Kind of space wished"), str(SpaceKind(kind).label if kind in SpaceKind.values else kind)))
    surface = surface_text(details.get("surface_min_m2"), details.get("surface_max_m2"))
    if surface:
        rows.append((gettext("Surface wished"), surface))
    if details.get("people"):
        rows.append((gettext("People to host"), _number(details["people"])))
    if details.get("wished_date"):
        try:
            day = formats.date_format(datetime.date.fromisoformat(details["wished_date"]), "DATE_FORMAT")
        except (TypeError, ValueError):
            day = str(details["wished_date"])
        rows.append((gettext("Moving-in date wished"), day))
    if details.get("budget_eur_month") is not None:
        rows.append(
            (gettext("Monthly budget"), gettext("%(n)s € excl. tax") % {"n": _number(details["budget_eur_month"])})
        )
    return rows
