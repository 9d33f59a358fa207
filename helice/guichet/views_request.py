"""Sending an orientation request from a finder result or a service page."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from helice.core import ratelimit
from helice.referrals import services as referrals

from . import services
from .forms_request import HONEYPOT_FIELD, OrientationRequestForm, band_for
from .models import Service

MAX_SERVICES = 10


def _offered(request) -> list[Service]:
    """The services named in the address (``?service=slug``, several allowed)."""
    source = request.POST if request.method == "POST" else request.GET
    slugs = [s for s in source.getlist("service" if request.method == "GET" else "services") if s][:MAX_SERVICES]
    return list(Service.objects.published().filter(slug__in=slugs).prefetch_related("providers"))


def _initial(request, offered) -> dict:
    """Pre-fill from the finder's criteria passed along, and from the account."""
    get = request.GET
    initial = {
        "services": [s.slug for s in offered],
        "route": not offered,
        "stage": get.get("stage", ""),
        "needs": get.getlist("need"),
        "sector": get.get("sector", ""),
        "commune": get.get("commune", ""),
    }
    try:
        initial["headcount_band"] = band_for(int(get["size"])) if get.get("size") else ""
        age = int(get["age"]) if get.get("age") else None
        initial["founding_year"] = datetime.date.today().year - age if age else None
    except ValueError:
        pass
    user = request.user
    if user.is_authenticated:
        initial["email"] = user.email
        initial["name"] = getattr(user, "display_name", "") or ""
    return initial


@require_http_methods(["GET", "POST"])
def request_new(request):
    offered = _offered(request)
    if request.method == "GET":
        form = OrientationRequestForm(initial=_initial(request, offered), offered=offered)
        return render(request, "guichet/request_form.html", {"form": form, "offered": offered})

    if not ratelimit.hit(request, "guichet.request", rate="10/h"):
        return ratelimit.too_many_requests(request)
    if request.POST.get(HONEYPOT_FIELD):
        return render(
            request, "guichet/request_form.html", {"form": None, "offered": offered, "refused": True}, status=400
        )
    data = request.POST.copy()
    form = OrientationRequestForm(data, offered=offered)
    if request.POST.get("action") == "prefill":
        return _prefill(request, form, data, offered)
    if not form.is_valid():
        return render(request, "guichet/request_form.html", {"form": form, "offered": offered}, status=400)
    if not ratelimit.hit(request, "guichet.request.address", rate="5/d", key=form.cleaned_data["email"].lower()):
        return ratelimit.too_many_requests(request)
    try:
        created = services.orientation_request_send(
            services=list(form.cleaned_data["services"]),
            route=form.cleaned_data["route"],
            data=form.request_data(),
            submission_key=form.cleaned_data["submission_key"],
            user=request.user,
        )
    except referrals.RequestError as error:
        form.add_error(None, error)
        return render(request, "guichet/request_form.html", {"form": form, "offered": offered}, status=400)
    request_obj = created.request
    if request_obj.is_submitted and request_obj.user_id and request_obj.user_id == request.user.pk:
        messages.success(request, _("Your request has been sent. You will find the answers here."))
        return redirect("referrals:my_request", pk=request_obj.pk)
    return redirect("guichet:request_sent")


def _prefill(request, form, data, offered):
    """The "fill in from my SIREN" button: validate the number, fill the empty
    company fields from the directory, show the form again (nothing is saved)."""
    form.is_valid()
    siret = form.cleaned_data.get("siret") if "siret" not in form.errors else None
    if siret:
        found = services.company_prefill(siret, {k: data.get(k) for k in data})
        if found:
            for key, value in found.items():
                data[key] = _form_value(value)
            messages.success(request, _("Filled in from the directory: check the fields below."))
        else:
            messages.info(request, _("No organisation of the directory has this number: fill in the fields yourself."))
    elif not form.errors.get("siret"):
        messages.info(request, _("Give a SIREN or SIRET first."))
    form = OrientationRequestForm(data, offered=offered)
    form.is_valid()  # shows the errors of what is already filled; nothing is saved
    for name in list(form.errors):
        if not data.get(name) and name not in ("siret",):
            del form.errors[name]  # not a mistake yet: the person has not filled it in
    return render(request, "guichet/request_form.html", {"form": form, "offered": offered, "prefilled": True})


def _form_value(value):
    """How the form names a prefilled value: communes by INSEE code, sectors by slug."""
    from helice.core.models import Commune, Sector

    if isinstance(value, Commune):
        return value.insee_code
    if isinstance(value, Sector):
        return value.slug
    return value


@require_GET
def request_sent(request):
    return render(request, "guichet/request_sent.html")
