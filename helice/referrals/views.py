"""Pages of the request engine: the handlers' inbox and case page (my space), the
requester's private page (a link by e-mail, or their account), and the public
statistics. Views parse, ask ``rules``/``selectors`` and call ``services``."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from helice.core import ratelimit
from helice.directory.exports import safe_cell
from helice.directory.models import Organization, PublicationStatus

from . import selectors, services
from .forms import CaseActionForm, LinkResendForm, RequesterActionForm, StatisticsFilterForm
from .models import CaseStatus, Outcome, RequestKind


def _error_text(error) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(str(m) for messages_ in error.message_dict.values() for m in messages_)
    return " ".join(str(m) for m in error.messages)


# --- handlers ---------------------------------------------------------------------------


@login_required
@require_GET
def inbox(request):
    organizations = selectors.inbox_organizations(request.user)
    if not organizations and not request.user.has_perm("referrals.see_all_cases"):
        raise Http404(_("You are not a member of any organisation."))
    slug = request.GET.get("organisation", "")
    organization = next((o for o in organizations if o.slug == slug), None)
    status = request.GET.get("statut", "open")
    overdue = request.GET.get("retard") == "1"
    cases = selectors.inbox(request.user, organization=organization, status=status, overdue=overdue)
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    statuses = [("open", _("To handle")), ("", _("All")), *CaseStatus.choices]
    return render(
        request,
        "referrals/inbox.html",
        {
            "page": page,
            "organizations": organizations,
            "organization": organization,
            "status": status,
            "statuses": statuses,
            "overdue": overdue,
            "stats": selectors.organization_statistics(organization) if organization else None,
            "limit": settings.REQUESTS_ANSWER_WORKING_DAYS,
        },
    )


def _redirect_choices():
    """Organisations a request is commonly sent on to: service providers and
    organisations with members (the field accepts any published slug)."""
    return (
        Organization.objects.filter(status=PublicationStatus.PUBLISHED)
        .filter(Q(memberships__isnull=False) | Q(services__isnull=False))
        .distinct()
        .order_by("name")
        .only("pk", "slug", "name")
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request, pk):
    case = selectors.case_for(request.user, pk)
    if case is None:
        raise Http404(_("No request you can handle has this address."))
    form, status = CaseActionForm(), 200
    if request.method == "POST":
        form = CaseActionForm(request.POST)
        if form.is_valid():
            try:
                outcome = _handle(request, case, form.cleaned_data)
            except services.RequestError as error:
                messages.error(request, _error_text(error))
                status = 409 if isinstance(error, services.InvalidTransition) else 400
            except PermissionDenied:
                raise Http404(_("No request you can handle has this address.")) from None
            else:
                messages.success(request, outcome)
                return redirect("referrals:case", pk=case.pk)
        else:
            status = 400
        case = selectors.case_for(request.user, pk)
    return render(
        request,
        "referrals/case.html",
        {
            "case": case,
            "request_obj": case.request,
            "events": selectors.history(case),
            "form": form,
            "allowed": services.TRANSITIONS[case.status],
            "redirect_choices": _redirect_choices()
            if CaseStatus.REDIRECTED in services.TRANSITIONS[case.status]
            else [],
            "other_cases": case.request.cases.exclude(pk=case.pk).select_related("organization"),
        },
        status=status,
    )


def _handle(request, case, data) -> str:
    action, message, user = data["action"], data.get("message", ""), request.user
    if action == "take":
        services.case_take(case=case, by=user)
        return _("You have taken this request in charge.")
    if action == "answer":
        services.case_answer(case=case, by=user, message=message)
        return _("Your answer was sent to the requester.")
    if action == "close":
        services.case_close(case=case, by=user, message=message)
        return _("The request is closed.")
    if action == "redirect":
        new_case = services.case_redirect(case=case, by=user, organization=data["organization_obj"], reason=message)
        return _("The request was sent on to %(organization)s.") % {"organization": new_case.organization.name}
    services.case_note(case=case, by=user, message=message)
    return _("Your note was added.")


@login_required
@require_GET
def statistics_export(request):
    """CSV of the statistics of the organisations the user sees (staff: all)."""
    year = _year(request)
    allowed = {o.pk for o in selectors.inbox_organizations(request.user)}
    rows = [(o, s) for o, s in selectors.statistics_by_organization(year=year) if o.pk in allowed]
    return _statistics_csv(rows, year)


# --- requester ----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def track(request, token):
    """The requester's private page. The token is the proof of the address: the
    first POST of "confirm" sends the request (a GET never does: mail scanners
    open links)."""
    request_obj = services.request_by_token(token)
    if request_obj is None:
        return render(request, "referrals/track_unknown.html", {"form": LinkResendForm()}, status=404)
    form, status = RequesterActionForm(), 200
    if request.method == "POST":
        if not ratelimit.hit(request, "referrals.track", rate="60/h"):
            return ratelimit.too_many_requests(request)
        form = RequesterActionForm(request.POST)
        if form.is_valid():
            try:
                notice = _requester_act(request_obj, form.cleaned_data)
            except services.RequestError as error:
                messages.error(request, _error_text(error))
                status = 400
            else:
                messages.success(request, notice)
                return redirect("referrals:track", token=token)
        else:
            status = 400
    cases = selectors.requester_cases(request_obj)
    return render(
        request,
        "referrals/track.html",
        {"request_obj": request_obj, "cases": cases, "form": form, "token": token, "outcomes": Outcome.choices},
        status=status,
    )


def _requester_act(request_obj, data) -> str:
    action = data["action"]
    if action == "confirm":
        services.request_confirm(request_obj=request_obj)
        return _("Thank you: your request has been sent.")
    case = request_obj.cases.filter(pk=data.get("case") or 0).first()
    if case is None or not request_obj.is_submitted:
        raise services.RequestError(_("This request has no such part."))
    if action == "message":
        services.requester_message(case=case, message=data.get("message", ""))
        return _("Your message was sent.")
    if action == "rate":
        if not data.get("satisfaction"):
            raise services.RequestError({"satisfaction": _("Choose a mark from 1 to 5.")})
        services.case_rate(case=case, satisfaction=data["satisfaction"], comment=data.get("comment", ""))
        return _("Thank you for your opinion.")
    services.case_report_outcome(case=case, outcome=data.get("outcome", ""), comment=data.get("comment", ""))
    return _("Thank you for telling us.")


@require_http_methods(["GET", "POST"])
def link_resend(request):
    """Lost the link? A fresh one is sent to the address, if it sent requests (the
    page says the same either way)."""
    form, sent, status = LinkResendForm(), False, 200
    if request.method == "POST":
        form = LinkResendForm(request.POST)
        email = request.POST.get("email", "").lower()
        if not ratelimit.hit(request, "referrals.link", rate="10/h") or not ratelimit.hit(
            request, "referrals.link.address", rate="3/h", key=email
        ):
            return ratelimit.too_many_requests(request)
        if form.is_valid():
            if not form.cleaned_data.get("website"):
                services.link_resend(email=form.cleaned_data["email"])
            sent = True
        else:
            status = 400
    return render(request, "referrals/link_resend.html", {"form": form, "sent": sent}, status=status)


@login_required
@require_GET
def my_requests(request):
    page = Paginator(selectors.my_requests(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "referrals/my_requests.html", {"page": page})


@login_required
@require_GET
def my_request(request, pk):
    """A signed-in requester's own request (same page as the private link)."""
    request_obj = get_object_or_404(selectors.my_requests(request.user), pk=pk)
    return render(
        request,
        "referrals/track.html",
        {
            "request_obj": request_obj,
            "cases": selectors.requester_cases(request_obj),
            "form": RequesterActionForm(),
            "token": None,
        },
    )


# --- public statistics ---------------------------------------------------------------------


def _year(request) -> int | None:
    form = StatisticsFilterForm(request.GET)
    return form.cleaned_data.get("year") if form.is_valid() else None


@require_GET
def statistics(request):
    form = StatisticsFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "error": True, "limit": settings.REQUESTS_ANSWER_WORKING_DAYS}
        return render(request, "referrals/statistics.html", context, status=400)
    year, kind = form.cleaned_data.get("year"), form.cleaned_data.get("kind") or ""
    return render(
        request,
        "referrals/statistics.html",
        {
            "form": form,
            "year": year,
            "kind": kind,
            "years": selectors.statistics_years(),
            "kinds": RequestKind.choices,
            "total": selectors.territory_statistics(year=year, kind=kind),
            "rows": selectors.statistics_by_organization(year=year),
            "limit": settings.REQUESTS_ANSWER_WORKING_DAYS,
            "csv_url": reverse("referrals:statistics_csv") + (f"?year={year}" if year else ""),
        },
    )


@require_GET
def statistics_csv(request):
    year = _year(request)
    return _statistics_csv(selectors.statistics_by_organization(year=year), year)


def _statistics_csv(rows, year) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"helice-demandes-{year or 'toutes'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # spreadsheet programs read the BOM as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            "organisation",
            "slug",
            "received",
            "open",
            "answered",
            "redirected",
            "answered_within_limit",
            "share_within_limit",
            "median_working_days_to_answer",
            "satisfaction_average",
            "satisfaction_count",
        ]
    )
    for organization, s in rows:
        writer.writerow(
            [
                safe_cell(organization.name),
                organization.slug,
                s.received,
                s.open,
                s.answered,
                s.redirected,
                s.answered_in_time,
                "" if s.share_in_time is None else f"{s.share_in_time:.3f}",
                "" if s.median_days_to_answer is None else s.median_days_to_answer,
                "" if s.satisfaction_average is None else s.satisfaction_average,
                s.satisfaction_count,
            ]
        )
    return response
