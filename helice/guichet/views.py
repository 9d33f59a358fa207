"""Guichet pages: the services with search and facets, their CSV export, and
each service's page."""

import csv
import hashlib
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from helice.core.pagination import PageError, get_page
from helice.directory.exports import Echo, safe_cell

from . import jsonld, matching, selectors
from .forms import FinderForm, SearchAlertForm, ServiceFilterForm
from .models import criteria_items, normalise_criteria

PER_PAGE = 20


@require_GET
def service_list(request):
    form = ServiceFilterForm(request.GET)
    context = {"form": form, "facet_labels": selectors.FACET_LABELS}
    status = 200
    if not form.is_valid():
        context["error"], status = form.error_text(), 400
    else:
        filters = form.to_filters()
        services = selectors.service_search(filters)
        try:
            page = get_page(services, request.GET.get("page"), PER_PAGE)
        except PageError as exc:
            context["error"], status, page = exc.message, exc.status, None
        options = selectors.facet_options(filters)
        context.update(
            filters=filters,
            page=page,
            facets=[(facet, selectors.FACET_LABELS[facet], options[facet]) for facet in selectors.FACETS],
            export_query=request.GET.urlencode(),
        )
    return render(request, "guichet/service_list.html", context, status=status)


EXPORT_COLUMNS = (
    "slug",
    "name",
    "kind",
    "providers",
    "needs",
    "stages",
    "sectors",
    "availability",
    "opens_on",
    "closes_on",
    "summary",
    "url",
)


@require_GET
def service_export(request):
    form = ServiceFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.error_text(), status=400, content_type="text/plain; charset=utf-8")
    services = selectors.service_search(form.to_filters())

    def rows():
        yield EXPORT_COLUMNS
        for s in services.iterator(chunk_size=500):
            yield [
                safe_cell(value)
                for value in (
                    s.slug,
                    s.display_name,
                    s.kind,
                    "; ".join(o.slug for o in s.providers.all()),
                    "; ".join(n.code for n in s.needs.all()),
                    "; ".join(st.code for st in s.stages.all()),
                    "; ".join(sec.slug for sec in s.sectors.all()),
                    s.call_state(),
                    s.opens_on.isoformat() if s.opens_on else "",
                    s.closes_on.isoformat() if s.closes_on else "",
                    s.summary,
                    request.build_absolute_uri(s.get_absolute_url()),
                )
            ]

    writer = csv.writer(Echo())
    response = StreamingHttpResponse((writer.writerow(r) for r in rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="helice-services.csv"'
    return response


@require_GET
def service_detail(request, slug):
    service = selectors.service_by_slug(slug)
    if service is None:
        raise Http404(_("No published service has this address."))
    return render(
        request,
        "guichet/service_detail.html",
        {"service": service, "jsonld": jsonld.service(service, request)},
    )


CRITERION_LABELS = {
    "need": gettext_lazy("your needs"),
    "stage": gettext_lazy("your company's stage"),
    "sector": gettext_lazy("your sector"),
    "size": gettext_lazy("your headcount"),
    "age": gettext_lazy("your company's age"),
    "text": gettext_lazy("your words"),
}


RESULTS_CACHE_SECONDS = 300


def finder_cache_key(prefix: str, request) -> str:
    """Results depend on the catalogue (its version), the day (call states), the
    language and the criteria: a key made of those serves every visitor."""
    params = sorted((k, v) for k in request.GET for v in request.GET.getlist(k))
    parts = (matching.catalogue_version(), timezone.localdate(), get_language(), params)
    return f"guichet:{prefix}:{hashlib.sha256(repr(parts).encode()).hexdigest()}"


@require_GET
@vary_on_headers("Accept-Language", "Cookie")
def finder(request):
    """The guided finder: criteria in the URL (shareable), ranked services with the
    reasons they fit, and never a dead end. The results fragment is cached (see
    finder_cache_key), with the form showing the criteria used: both depend on the
    address only. What is personal (the alert form's CSRF token) is rendered for
    each request."""
    asked = any(request.GET.get(name) for name in ("q", "need", "stage", "sector", "commune", "size", "age"))
    form = FinderForm(request.GET if asked else None)
    context = {"form": form, "asked": asked}
    status = 200
    if not asked:
        key = finder_cache_key("blank", request)
        context["form_html"] = cache.get(key)
        if context["form_html"] is None:
            context["form_html"] = _form_html(request, form, asked=False)
            cache.set(key, context["form_html"], RESULTS_CACHE_SECONDS)
    elif form.is_valid():
        key = finder_cache_key("page-with-form", request)
        cached = cache.get(key)
        if cached is None:
            used, results_html = _finder_results(request, form)
            # The form shows the criteria used, the understood ones included, so
            # the person sees them and can correct them.
            cached = (_form_html(request, FinderForm(used), asked=True), results_html)
            cache.set(key, cached, RESULTS_CACHE_SECONDS)
        context["form_html"], context["results_html"] = cached
        # Saving the search as an alert: the criteria as asked (the free text is
        # understood again at each digest, as it is by the link to the results).
        context["alert_form"] = SearchAlertForm()
        context["alert_fields"] = criteria_items(normalise_criteria(form.cleaned_data))
    else:
        context["error"], status = form.error_text(), 400
    return render(request, "guichet/finder.html", context, status=status)


def _form_html(request, form, *, asked: bool) -> str:
    return render_to_string("guichet/_finder_form.html", {"form": form, "asked": asked}, request)


def _ask_query(criteria) -> str:
    """The criteria a request form is pre-filled with (not the free text)."""
    pairs = [("need", code) for code in criteria.needs]
    pairs += [
        (k, v) for k, v in (("stage", criteria.stage), ("sector", criteria.sector), ("commune", criteria.commune)) if v
    ]
    pairs += [(k, v) for k, v in (("size", criteria.size), ("age", criteria.age)) if v is not None]
    return urlencode(pairs)


def _finder_results(request, form) -> tuple[dict, str]:
    result = matching.match(form.to_criteria())
    used = result.criteria
    context = {
        "result": result,
        "generalist": selectors.generalist_contact(),
        "understood": selectors.understood_labels(result.understood) if used.q else None,
        "without": [(CRITERION_LABELS[c], n) for c, n in result.would_match_without.items()],
        "relaxed_label": CRITERION_LABELS.get(result.relaxed, ""),
        "ask_query": _ask_query(used),
    }
    data = {
        "q": used.q,
        "need": used.needs,
        "stage": used.stage,
        "sector": used.sector,
        "commune": used.commune,
        "size": "" if used.size is None else used.size,
        "age": "" if used.age is None else used.age,
    }
    return data, render_to_string("guichet/_finder_results.html", context, request)
