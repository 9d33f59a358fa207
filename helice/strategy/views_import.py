"""Strategy managers import measurements from a CSV or XLSX file: upload, a
preview of what each row would change (nothing saved), then confirmation (every
row applied in one transaction, or none). Reading and checking: ``imports.py``."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from helice.directory.exports import safe_cell

from . import imports, selectors
from .forms import MeasurementImportForm

PREVIEW_LIMIT = 1000  # rows shown in the preview table (the counts cover them all)


def _manager_plan(request):
    if not request.user.has_perm("strategy.manage_plan"):
        raise PermissionDenied
    plan = selectors.current_plan()
    if plan is None:
        raise Http404(_("No plan has been loaded yet."))
    return plan


def _kind_labels() -> dict[str, str]:
    return {
        imports.NEW: _("New value"),
        imports.CORRECTION: _("Correction"),
        imports.NOTE: _("New comment or source"),
        imports.UNCHANGED: _("Unchanged"),
        imports.SKIPPED: _("Skipped: no value"),
        imports.ERROR: _("Error"),
    }


def _page(request, plan, *, form=None, preview=None, token="", name="", status=200):
    rows = preview.ordered()[:PREVIEW_LIMIT] if preview else []
    return render(
        request,
        "strategy/import.html",
        {
            "plan": plan,
            "form": form or MeasurementImportForm(),
            "preview": preview,
            "rows": rows,
            "hidden_rows": len(preview.rows) - len(rows) if preview else 0,
            "counts": preview.counts if preview else {},
            "labels": _kind_labels(),
            "token": token,
            "name": name,
            "max_rows": imports.MAX_ROWS,
            "max_bytes": imports.MAX_BYTES,
        },
        status=status,
    )


def _token_fits(token: str) -> bool:
    """The confirmation posts the token back: it must fit in what Django accepts."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is None or len(token) < limit - 64 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def import_measurements(request):
    plan = _manager_plan(request)
    if request.method == "GET":
        return _page(request, plan)
    if "token" in request.POST:
        return _confirm(request, plan)
    form = MeasurementImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, plan, form=form, status=400)
    name = form.cleaned_data["file"].name or ""
    preview = imports.check_rows(form.records, plan=plan)
    if preview.has_errors:
        messages.error(request, _("Nothing can be imported until the rows marked below are corrected."))
        return _page(request, plan, form=form, preview=preview, name=name, status=400)
    if not preview.changes:
        messages.info(request, _("This file changes nothing: every value is already recorded."))
        return _page(request, plan, preview=preview, name=name)
    token = imports.records_dump(form.records, user=request.user, name=name)
    if not _token_fits(token):
        form.add_error("file", _("This file is too large to be imported at once. Split it into smaller files."))
        return _page(request, plan, form=form, status=400)
    return _page(request, plan, preview=preview, token=token, name=name)


def _confirm(request, plan):
    try:
        records, name = imports.records_load(request.POST.get("token", ""), user=request.user)
    except imports.PreviewExpired:
        messages.error(request, _("This preview has expired or was altered. Upload the file again."))
        return _page(request, plan, status=400)
    # Checked again: the plan or the values may have changed since the preview.
    preview = imports.check_rows(records, plan=plan)
    if preview.has_errors:
        messages.error(
            request, _("Nothing was imported: the plan changed since the preview. Correct the rows marked below.")
        )
        return _page(request, plan, preview=preview, name=name, status=400)
    counts = imports.measurements_import(preview=preview, by=request.user)
    changed = counts[imports.NEW] + counts[imports.CORRECTION] + counts[imports.NOTE]
    messages.success(
        request,
        ngettext(
            "%(count)d row imported from %(name)s (%(new)d new, %(corrected)d corrected).",
            "%(count)d rows imported from %(name)s (%(new)d new, %(corrected)d corrected).",
            changed,
        )
        % {"count": changed, "name": name or "—", "new": counts[imports.NEW], "corrected": counts[imports.CORRECTION]},
    )
    return redirect("strategy:import")


@login_required
@require_GET
def import_template(request):
    """A CSV to fill in: one row per indicator entered by hand, with its next period."""
    plan = _manager_plan(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="helice-mesures-modele.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(imports.TEMPLATE_HEADER)
    for row in imports.template_rows(plan):
        writer.writerow([safe_cell(cell) for cell in row])
    return response
