"""Pages of the spaces part: the list with filters and its CSV export, the map,
each space's page, the company path, the spread over the territory, and the
availability confirmation for operators."""

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from helice.core import sections
from helice.core.pagination import PageError, get_page
from helice.directory.exports import Echo, safe_cell
from helice.directory.models import LocationPrecision

from . import geography, jsonld, path, selectors, services
from .forms import AvailabilityForm, SpaceFilterForm
from .models import PathPhase, Space, availability_max_age
from .templatetags.spaces import km

PER_PAGE = 20


def _facets(filters):
    options = selectors.facet_options(filters)
    return [(facet, selectors.FACET_LABELS[facet], options[facet]) for facet in (*selectors.FACETS, "available")]


@require_GET
def space_list(request):
    form = SpaceFilterForm(request.GET)
    context = {"form": form, "max_age_days": availability_max_age().days}
    status = 200
    if not form.is_valid():
        context["error"], status = form.error_text(), 400
    else:
        filters = form.to_filters()
        spaces = selectors.space_search(filters)
        try:
            page = get_page(spaces, request.GET.get("page"), PER_PAGE)
        except PageError as exc:
            context["error"], status, page = exc.message, exc.status, None
        context.update(
            filters=filters,
            page=page,
            facets=_facets(filters),
            query_string=_query_string(request, drop=("page",)),
        )
    return render(request, "spaces/space_list.html", context, status=status)


def _query_string(request, drop=()):
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


EXPORT_COLUMNS = (
    "slug",
    "name",
    "kind",
    "operators",
    "phases",
    "sectors",
    "commune",
    "address",
    "postal_code",
    "latitude",
    "longitude",
    "location_precision",
    "total_surface_m2",
    "unit_count",
    "unit_size_min_m2",
    "unit_size_max_m2",
    "availability",
    "units_available",
    "availability_confirmed_at",
    "price_range",
    "plan_status",
    "plan_horizon",
    "summary",
    "url",
    "source",
)


@require_GET
def space_export(request):
    """The current filter as CSV (formula-safe cells). ``units_available`` is
    only filled when current: a stale count is left out, its date says why."""
    form = SpaceFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.error_text(), status=400, content_type="text/plain; charset=utf-8")
    spaces = selectors.space_search(form.to_filters())

    def rows():
        yield EXPORT_COLUMNS
        for s in spaces.iterator(chunk_size=500):
            current = s.current_units_available
            yield [
                safe_cell(value)
                for value in (
                    s.slug,
                    s.display_name,
                    s.kind,
                    "; ".join(o.slug for o in s.operators.all()),
                    "; ".join(s.phases),
                    "; ".join(sec.slug for sec in s.sectors.all()),
                    s.commune.insee_code if s.commune_id else "",
                    s.address,
                    s.postal_code,
                    "" if s.latitude is None else s.latitude,
                    "" if s.longitude is None else s.longitude,
                    s.location_precision,
                    _blank(s.total_surface_m2),
                    _blank(s.unit_count),
                    _blank(s.unit_size_min_m2),
                    _blank(s.unit_size_max_m2),
                    s.availability_state(),
                    _blank(current),
                    s.availability_confirmed_at.isoformat() if s.availability_confirmed_at else "",
                    s.price_range,
                    s.plan_status,
                    s.plan_horizon,
                    s.summary,
                    request.build_absolute_uri(s.get_absolute_url()),
                    s.source,
                )
            ]

    writer = csv.writer(Echo())
    response = StreamingHttpResponse((writer.writerow(r) for r in rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="helice-spaces.csv"'
    return response


def _blank(value):
    return "" if value is None else value


def map_point(space) -> dict:
    """What the map script (core/map.js) needs for one marker, sent with
    json_script, never as HTML."""
    return {
        "name": space.display_name,
        "url": space.get_absolute_url(),
        "lat": space.latitude,
        "lon": space.longitude,
        "kind": space.kind_label,
        "commune": space.commune.name if space.commune_id else "",
        "precision": space.location_precision,
        "approximate": space.location_precision == LocationPrecision.COMMUNE,
    }


@require_GET
def space_map(request):
    form = SpaceFilterForm(request.GET)
    context = {
        "form": form,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    status = 200
    if not form.is_valid():
        context["error"], status = form.error_text(), 400
    else:
        filters = form.to_filters()
        spaces = list(selectors.space_search(filters))
        located = [s for s in spaces if s.has_coordinates]
        context.update(
            filters=filters,
            spaces=spaces,
            located=located,
            map_points=[map_point(s) for s in located],
            unlocated_count=len(spaces) - len(located),
            facets=_facets(filters),
            query_string=_query_string(request),
        )
    return render(request, "spaces/space_map.html", context, status=status)


@require_GET
def space_detail(request, slug):
    space = selectors.space_by_slug(slug, request.user)
    if space is None:
        raise Http404(_("No published space has this address."))
    return render(
        request,
        "spaces/space_detail.html",
        {
            "space": space,
            "jsonld": jsonld.space(space, request),
            "map_points": [map_point(space)] if space.has_coordinates else [],
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "can_confirm": request.user.has_perm("spaces.confirm_availability", space),
            "can_edit": request.user.has_perm("spaces.edit_space", space),
            "related_sections": sections.for_object(space),
        },
    )


@require_GET
def company_path(request):
    paths = path.company_paths()
    return render(
        request,
        "spaces/company_path.html",
        {
            "paths": paths,
            "phases": [(phase, PathPhase(phase).label) for phase in PathPhase.values],
            "gap_count": sum(len(p.gaps) for p in paths),
            "undedicated_count": sum(len(p.undedicated) for p in paths),
        },
    )


@require_GET
def spread(request):
    result = geography.spread()
    located_rows = [row for row in result.rows if row.commune.latitude is not None]
    points = [
        {
            "name": row.commune.name,
            "url": f"#commune-{row.commune.slug}",
            "lat": row.commune.latitude,
            "lon": row.commune.longitude,
            "kind": _commune_point_label(row),
            "commune": _commune_point_status(row, result.radius_km),
            "approximate": False,
        }
        for row in located_rows
    ]
    return render(
        request,
        "spaces/spread.html",
        {
            "spread": result,
            "map_points": points,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )


def _commune_point_label(row) -> str:
    here = len(row.spaces_here)
    if row.nearest_any_km is None:
        return _("no located space")
    if here:
        return ngettext("%(count)d space in the commune", "%(count)d spaces in the commune", here) % {"count": here}
    return _("nearest space at %(distance)s km") % {"distance": f"{row.nearest_any_km:.1f}"}


def _commune_point_status(row, radius_km) -> str:
    """Served or not, in words, and "less dense" when it is: the map's marker says
    what the table's columns say."""
    radius = km(radius_km)
    if row.is_served is None:
        served = ""
    elif row.is_served:
        served = _("served: a space within %(radius)s km") % {"radius": radius}
    else:
        served = _("not served: no space within %(radius)s km") % {"radius": radius}
    parts = [served]
    if row.is_less_dense:
        parts.insert(0, _("less dense commune (%(density)d inhabitants/km²)") % {"density": round(row.density)})
    return " · ".join(part for part in parts if part)


@login_required
@require_http_methods(["GET", "POST"])
def confirm_availability(request, slug):
    """An operator's member (or staff) says how many units are free now: the date
    of the confirmation restarts the allowed age."""
    space = Space.objects.filter(slug=slug).select_related("commune").prefetch_related("operators").first()
    if space is None:
        raise Http404(_("No space has this address."))
    if not request.user.has_perm("spaces.confirm_availability", space):
        raise PermissionDenied(_("Only the members of the organisations that run this space may confirm it."))
    status = 200
    if request.method == "POST":
        form = AvailabilityForm(request.POST, space=space)
        if form.is_valid():
            services.space_availability_confirm(space=space, units_available=form.cleaned_data["units_available"])
            messages.success(request, _("Thank you: the availability of this space is confirmed as of today."))
            target = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
                target = space.get_absolute_url()
            return redirect(target)
        status = 400
    else:
        form = AvailabilityForm(initial={"units_available": space.units_available}, space=space)
    return render(request, "spaces/confirm_availability.html", {"space": space, "form": form}, status=status)
