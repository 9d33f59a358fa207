"""Sending a settlement request: from a space's page (``?space=slug``), from a
selection of spaces on the list (several ``space``), or from the general "I am
looking for premises" entry (no space: the metropolis's team routes it)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from helice.core import ratelimit
from helice.core.models import Commune
from helice.referrals import services as referrals

from . import services
from .forms_request import HONEYPOT_FIELD, MAX_SPACES, SettlementRequestForm
from .models import PathPhase, Space, SpaceKind

TEMPLATE = "spaces/request_form.html"


def _offered(request) -> list[Space]:
    """The published spaces named in the address (``?space=slug``, several allowed)
    or ticked in the form, in the order given."""
    source = request.POST if request.method == "POST" else request.GET
    slugs = [s for s in source.getlist("space" if request.method == "GET" else "spaces") if _usable(s)][:MAX_SPACES]
    found = {
        space.slug: space
        for space in Space.objects.published()
        .filter(slug__in=slugs)
        .select_related("commune")
        .prefetch_related("operators")
    }
    return [found[slug] for slug in dict.fromkeys(slugs) if slug in found]


def _usable(value: str) -> bool:
    """A value from the address that may reach the database (PostgreSQL refuses NUL
    characters in text; no slug or code is that long)."""
    return bool(value) and "\x00" not in value and len(value) <= 220


def _one(get, name: str, allowed=None) -> str:
    """A list filter carried over (the list may give several: one pre-fills the form)."""
    values = [v for v in get.getlist(name) if _usable(v) and (allowed is None or v in allowed)]
    return values[0] if len(values) == 1 else ""


def _commune_code(value: str) -> str:
    """The list names a commune by slug, the form by INSEE code."""
    if not value:
        return ""
    commune = Commune.objects.filter(Q(slug=value) | Q(insee_code=value), is_active=True).first()
    return commune.insee_code if commune else ""


def _initial(request, offered) -> dict:
    get = request.GET
    initial = {
        "spaces": [s.slug for s in offered],
        "route": not offered,
        "space_kind": _one(get, "kind", SpaceKind.values),
        "stage": _one(get, "stage", PathPhase.values),
        "sector": _one(get, "sector"),
        "commune": _commune_code(_one(get, "commune")),
    }
    if not initial["space_kind"] and offered and len({s.kind for s in offered}) == 1:
        initial["space_kind"] = offered[0].kind
    user = request.user
    if user.is_authenticated:
        initial["email"] = user.email
        initial["name"] = getattr(user, "display_name", "") or ""
    return initial


def _page(request, form, offered, *, status=200, **extra):
    return render(request, TEMPLATE, {"form": form, "offered": offered, **extra}, status=status)


@require_http_methods(["GET", "POST"])
def request_new(request):
    offered = _offered(request)
    if request.method == "GET":
        return _page(request, SettlementRequestForm(initial=_initial(request, offered), offered=offered), offered)

    if not ratelimit.hit(request, "spaces.request", rate="10/h"):
        return ratelimit.too_many_requests(request)
    if request.POST.get(HONEYPOT_FIELD):
        return _page(request, None, offered, status=400, refused=True)
    form = SettlementRequestForm(request.POST, offered=offered)
    if not form.is_valid():
        return _page(request, form, offered, status=400)
    if not ratelimit.hit(request, "spaces.request.address", rate="5/d", key=form.cleaned_data["email"].lower()):
        return ratelimit.too_many_requests(request)
    chosen = {space.pk for space in form.cleaned_data["spaces"]}
    try:
        created = services.settlement_request_send(
            spaces=[space for space in offered if space.pk in chosen],  # in the order ticked
            route=form.cleaned_data["route"],
            data=form.request_data(),
            submission_key=form.cleaned_data["submission_key"],
            user=request.user,
        )
    except referrals.RequestError as error:
        form.add_error(None, error)
        return _page(request, form, offered, status=400)
    request_obj = created.request
    if request_obj.is_submitted and request_obj.user_id and request_obj.user_id == request.user.pk:
        messages.success(request, _("Your request has been sent. You will find the answers here."))
        return redirect("referrals:my_request", pk=request_obj.pk)
    return redirect("spaces:request_sent")


@require_GET
def request_sent(request):
    return render(request, "spaces/request_sent.html")
