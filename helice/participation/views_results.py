"""A consultation's results page and its open data (CSV and JSON exports)."""

from __future__ import annotations

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from helice.core import ratelimit

from . import exports, results
from .models import Consultation

# The opinions and comments of a large consultation take seconds to write out:
# enough for anyone who reuses them, not enough to keep the server busy.
EXPORT_RATE = "30/h"
DATASETS = {"propositions": "proposals", "avis": "opinions", "commentaires": "comments"}


def _consultation(slug: str) -> Consultation:
    consultation = Consultation.objects.visible().filter(slug=slug).first()
    if consultation is None:
        raise Http404(_("No published consultation has this address."))
    return consultation


@require_GET
def consultation_results(request, slug):
    consultation = _consultation(slug)
    data = results.consultation_results(consultation)
    return render(
        request,
        "participation/results.html",
        {
            "consultation": consultation,
            "results": data,
            "downloads": [
                (name, label, [(fmt, f"{name}.{fmt}") for fmt in ("csv", "json")])
                for name, label in (
                    ("propositions", _("Proposals with their counts")),
                    ("avis", _("Opinions (anonymised)")),
                    ("commentaires", _("Comments")),
                )
            ],
        },
    )


@require_GET
def consultation_export(request, slug, dataset, fmt):
    """``/concertation/<slug>/donnees/{propositions,avis,commentaires}.{csv,json}``."""
    consultation = _consultation(slug)
    kind = DATASETS[dataset]
    if kind != "proposals" and not ratelimit.hit(request, "participation.export", rate=EXPORT_RATE):
        return ratelimit.too_many_requests(request)
    base_url = request.build_absolute_uri("/")[:-1]
    if kind == "proposals":
        fields, records = (
            exports.PROPOSAL_FIELDS,
            exports.proposal_records(exports.public_proposals(consultation), base_url),
        )
    elif kind == "opinions":
        fields, records = exports.OPINION_FIELDS, exports.opinion_records(consultation)
    else:
        fields, records = exports.COMMENT_FIELDS, exports.comment_records(consultation)
    filename = f"helice-{consultation.slug}-{dataset}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(exports.csv_chunks(fields, records), content_type="text/csv; charset=utf-8")
    else:
        meta = {
            "consultation": consultation.slug,
            "title": consultation.title_fr,
            "url": base_url + consultation.get_absolute_url(),
            "generated_at": timezone.localtime().isoformat(timespec="seconds"),
            "fields": fields,
        }
        response = StreamingHttpResponse(
            exports.json_chunks(meta, kind, records), content_type="application/json; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Robots-Tag"] = "noindex"
    return response
