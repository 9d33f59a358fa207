"""Directory pages: list with facets, CSV export, map, matrix, detail."""

import csv

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from helice.core import sections
from helice.core.pagination import PageError, get_page

from . import exports, jsonld, search_index, selectors
from .forms import DirectoryFilterForm
from .models import LocationPrecision, Organization

PER_PAGE = 20


def _filters_or_error(request):
    form = DirectoryFilterForm(request.GET)
    if form.is_valid():
        return form, form.to_filters(), None
    return form, None, form.error_text()


@require_GET
@vary_on_headers("HX-Request")
def organization_list(request):
    form, filters, error = _filters_or_error(request)
    context = {"form": form, "sorts": selectors.SORTS, "facet_labels": selectors.FACET_LABELS}
    status = 200
    if error:
        context["error"] = error
        status = 400
    else:
        # The facets and results depend only on the data, the language and the
        # query string: a search already made is served from the cache.
        index = search_index.get_index()
        key = selectors.cache_key(index, "list-layout", get_language(), request.GET.urlencode())
        layout = cache.get(key)
        if layout is None:
            result = selectors.organization_search(filters, index=index)
            summary = selectors.facet_summary(result)
            count = summary.total
            try:
                page = get_page(result.results, request.GET.get("page"), PER_PAGE, count=count)
            except PageError as exc:
                context["error"], status, page = exc.message, exc.status, None
            context.update(
                filters=filters,
                result=result,
                count=count,
                page=page,
                facets=summary.facets,
                query_string=_query_string(request, drop=("page",)),
            )
            layout = render_to_string("directory/_layout.html", context, request)
            if status == 200:
                cache.set(key, layout, selectors.SEARCH_CACHE_SECONDS)
        context["layout_html"] = layout
    if request.headers.get("HX-Request") and not error:
        return HttpResponse(context["layout_html"], status=status)
    template = "directory/_layout.html" if request.headers.get("HX-Request") else "directory/organization_list.html"
    return render(request, template, context, status=status)


def _query_string(request, drop=()):
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


@require_GET
def organization_export(request):
    _form, filters, error = _filters_or_error(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    result = selectors.organization_search(filters)
    rows = exports.organization_rows(result.iter_organizations(selectors.with_detail_relations))
    writer = csv.writer(exports.Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="helice-organisations.csv"'
    return response


@require_GET
def organization_map(request):
    form, filters, error = _filters_or_error(request)
    context = {
        "form": form,
        "facet_labels": selectors.FACET_LABELS,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    status = 200
    if error:
        context["error"], status = error, 400
    else:
        result = selectors.organization_search(filters)
        organizations = list(result.iter_organizations())
        located = [o for o in organizations if o.has_coordinates]
        context.update(
            filters=filters,
            result=result,
            organizations=organizations,
            located=located,
            map_points=[_map_point(o) for o in located],
            unlocated_count=len(organizations) - len(located),
            facets=selectors.facet_counts(result),
            query_string=_query_string(request),
        )
    return render(request, "directory/organization_map.html", context, status=status)


def _map_point(organization):
    """What the map script needs for one marker (sent with json_script, never as HTML)."""
    return {
        "name": organization.name,
        "url": organization.get_absolute_url(),
        "lat": organization.latitude,
        "lon": organization.longitude,
        "kind": organization.kind_label,
        "commune": organization.commune.name if organization.commune else "",
        "precision": organization.location_precision,
        "approximate": organization.location_precision == LocationPrecision.COMMUNE,
    }


@require_GET
def organization_matrix(request):
    """The "who does what" matrix: published organisations per sector (rows) and kind (columns).

    A row total counts the organisations of a sector (each has one kind, so the sum
    is exact). An organisation may work in several sectors, so a column total is
    not the sum of its cells: it counts distinct organisations of that kind."""
    sectors, kinds, cells = selectors.sector_kind_matrix()
    kind_totals = _organizations_per_kind_with_a_sector()
    kinds = [(kind, label) for kind, label in kinds if kind_totals.get(kind)]
    rows = []
    for sector in sectors:
        row = [(kind, label, cells.get((sector.id, kind), 0)) for kind, label in kinds]
        rows.append((sector, row, sum(n for _kind, _label, n in row)))
    classified = sum(kind_totals.values())
    context = {
        "rows": rows,
        "kinds": kinds,
        "column_totals": [(kind, label, kind_totals.get(kind, 0)) for kind, label in kinds],
        "classified": classified,
        "unclassified": selectors.published_organizations().count() - classified,
    }
    return render(request, "directory/organization_matrix.html", context)


def _organizations_per_kind_with_a_sector():
    """Distinct published organisations per kind that belong to at least one active sector."""
    through = Organization.sectors.through
    in_a_sector = through.objects.filter(organization_id=OuterRef("pk"), sector__is_active=True)
    rows = selectors.published_organizations().filter(Exists(in_a_sector)).order_by().values_list("kind")
    return dict(rows.annotate(n=Count("id")))


@require_GET
def organization_detail(request, slug):
    organization = selectors.organization_by_slug(slug)
    if organization is None:
        raise Http404(_("No published organisation has this address."))
    return render(
        request,
        "directory/organization_detail.html",
        {
            "organization": organization,
            "jsonld": jsonld.organization(organization, request),
            "related_sections": sections.for_object(organization),
        },
    )
