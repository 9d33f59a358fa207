"""Alerts: a finder search saved with an e-mail address (no account needed),
confirmed, managed and stopped through one secret link (docs/guichet.md,
"Alerts"). The rules live in ``services``; these views parse, call and render."""

import re
from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helice.core import ratelimit

from . import selectors, services
from .forms import FinderForm, SearchAlertForm
from .models import TOKEN_LENGTH, SavedSearch, criteria_items, normalise_criteria

TOKEN = re.compile(rf"[0-9a-f]{{{TOKEN_LENGTH}}}")
ERROR_STATUS = {"limit": HTTPStatus.CONFLICT, "unsubscribed": HTTPStatus.CONFLICT, "expired": HTTPStatus.GONE}


def _address_allowed(email: str) -> bool:
    """The per-address limit, whatever the client: ``ratelimit.hit`` counts every
    request without a known client address in one counter, which the address
    (``key``) then narrows, so this is one counter per address."""
    return ratelimit.hit(HttpRequest(), "guichet.alert.address", rate=settings.GUICHET_ALERTS_RATE_EMAIL, key=email)


@require_POST
def alert_create(request):
    """Save the search of a finder's results for an address; the answer is the
    same whatever the address already has (no enumeration)."""
    if not ratelimit.hit(request, "guichet.alert", rate=settings.GUICHET_ALERTS_RATE_IP):
        return ratelimit.too_many_requests(request)
    form = SearchAlertForm(request.POST)  # a filled honeypot answers 400 (HoneypotFilled)
    search = FinderForm(request.POST)
    valid = form.is_valid() and search.is_valid()
    if form.is_valid() and not _address_allowed(form.cleaned_data["email"].lower()):
        return ratelimit.too_many_requests(request)
    if not valid:
        return _form_page(request, form, search, HTTPStatus.BAD_REQUEST)
    try:
        answer = services.search_alert_create(
            email=form.cleaned_data["email"],
            criteria=search.cleaned_data,
            language=get_language(),
            user=request.user,
        )
    except services.AlertError as error:
        form.add_error(None, error.message)
        return _form_page(request, form, search, ERROR_STATUS.get(error.code, HTTPStatus.BAD_REQUEST))
    if answer.outcome == "active":  # the signed-in owner of the address: no confirmation needed
        messages.success(
            request, _("Your alert is active: the new services that fit this search will be e-mailed to you each week.")
        )
        return redirect("guichet:alert", token=answer.alert.token)
    return redirect("guichet:alert_requested")


def _form_page(request, form, search, status):
    fields = criteria_items(normalise_criteria(search.cleaned_data)) if search.is_valid() else []
    context = {"alert_form": form, "alert_fields": fields, "search_errors": search.error_text()}
    return render(request, "guichet/alert_form.html", context, status=status)


@require_GET
def alert_requested(request):
    return render(request, "guichet/alert_requested.html")


def _alert(token: str) -> SavedSearch | None:
    if not TOKEN.fullmatch(token or ""):
        return None
    return SavedSearch.objects.for_token(token).first()


def _unknown(request):
    return render(
        request,
        "guichet/alert_problem.html",
        {
            "title": _("Alert not found"),
            "message": _(
                "This link does not lead to an alert. Check that you copied the whole link from the e-mail; "
                "an alert never confirmed or unsubscribed a while ago is deleted."
            ),
        },
        status=HTTPStatus.NOT_FOUND,
    )


@never_cache
@require_GET
def alert_detail(request, token):
    """The alert's page: its criteria in words (retired ones marked), its state,
    the link to its results and the unsubscribe button."""
    alert = _alert(token)
    if alert is None:
        return _unknown(request)
    criteria = selectors.criteria_in_words(alert.criteria)
    context = {"alert": alert, "token": token, "criteria": criteria, "any_retired": any(c.retired for c in criteria)}
    return render(request, "guichet/alert_detail.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def alert_confirm(request, token):
    """GET shows a button (mail scanners open links), POST confirms."""
    alert = _alert(token)
    if alert is None:
        return _unknown(request)
    if request.method == "POST":
        try:
            services.search_alert_confirm(alert=alert)
        except services.AlertError as error:
            context = {"title": _("Alert not confirmed"), "message": error.message, "alert": alert, "token": token}
            return render(request, "guichet/alert_problem.html", context, status=ERROR_STATUS.get(error.code, 400))
        messages.success(
            request,
            _("Your address is confirmed: the new services that fit this search will be e-mailed to you each week."),
        )
        return redirect("guichet:alert", token=token)
    context = {"alert": alert, "token": token, "criteria": selectors.criteria_in_words(alert.criteria)}
    return render(request, "guichet/alert_confirm.html", context)


@never_cache
@csrf_exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" without a token; the link is the secret
@require_http_methods(["GET", "POST"])
def alert_unsubscribe(request, token):
    """GET shows one button; POST unsubscribes (from the page or the mail
    client's one-click), and again changes nothing."""
    alert = _alert(token)
    if alert is None:
        return _unknown(request)
    if request.method == "POST":
        try:
            alert = services.search_alert_unsubscribe(alert=alert)
        except services.AlertError:  # deleted meanwhile
            return _unknown(request)
    return render(request, "guichet/alert_unsubscribe.html", {"alert": alert, "token": token})
