"""The evaluation report for a period, as a printable page and as a PDF drawn by
WeasyPrint from the same template and print stylesheet (docs/strategy.md, "Report").

The PDF reads only our own static files (``StaticFilesFetcher``), never the network;
the fonts come from the system (fontconfig). Without WeasyPrint or its system
libraries (Pango), the PDF answers 503 with a clear page and the page still works."""

from __future__ import annotations

import datetime
import logging
import mimetypes
import re
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from helice.core import ratelimit

from . import report as rp
from . import status as st
from .views import _plan

logger = logging.getLogger(__name__)

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Drawing a PDF takes seconds of CPU on a full plan: a generous cap per address.
PDF_RATE = "30/h"


class BadPeriod(ValueError):
    pass


def _date(raw: str, message: str) -> datetime.date:
    try:
        if not DATE_RE.match(raw):
            raise ValueError
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise BadPeriod(message % {"value": raw[:40]}) from None


def parse_period(params) -> tuple[datetime.date, datetime.date]:
    """``du`` and ``au`` from the query (YYYY-MM-DD); missing: the last 12 months
    (a start alone runs to today, an end alone starts 12 months before it)."""
    raw_start, raw_end = params.get("du", "").strip(), params.get("au", "").strip()
    default_start, default_end = rp.default_period()
    end = (
        _date(
            raw_end, _("The end date “%(value)s” is not a valid date: write it as YYYY-MM-DD, for example 2025-12-31.")
        )
        if raw_end
        else default_end
    )
    if raw_start:
        start = _date(
            raw_start,
            _("The start date “%(value)s” is not a valid date: write it as YYYY-MM-DD, for example 2025-01-01."),
        )
    elif raw_end:
        try:
            start = rp.default_period(end)[0]
        except (ValueError, OverflowError):
            start = datetime.date.min
    else:
        start = default_start
    if start > end:
        raise BadPeriod(_("The period must not start after it ends."))
    return start, end


def _context(request, start, end) -> dict:
    plan = _plan()
    data = rp.build(plan, start, end)
    labels = st.labels()
    for line in data.indicators:
        line.chart = rp.sparkline(
            line.points,
            _("Values of “%(name)s” from %(first)s to %(last)s: %(values)s")
            % {
                "name": line.indicator.name,
                "first": line.points[0][0].isoformat() if line.points else "",
                "last": line.points[-1][0].isoformat() if line.points else "",
                "values": ", ".join(format(v.normalize(), "f") for _period, v in line.points),
            },
        )
    return {
        "plan": plan,
        "report": data,
        "labels": labels,
        "statuses": [(s, labels[s]) for s in st.STATUSES],
        "query": f"du={start.isoformat()}&au={end.isoformat()}",
    }


def _bad_period(request, error: str) -> HttpResponse:
    return render(
        request,
        "strategy/report.html",
        {
            "plan": _plan(),
            "error": error,
            "form_start": request.GET.get("du", ""),
            "form_end": request.GET.get("au", ""),
        },
        status=400,
    )


@require_GET
def report(request):
    """The report as a page: the browser prints it cleanly (print stylesheet)."""
    try:
        start, end = parse_period(request.GET)
    except BadPeriod as error:
        return _bad_period(request, str(error))
    return render(request, "strategy/report.html", _context(request, start, end))


def _weasyprint():
    """WeasyPrint, or None when it or its system libraries (Pango) cannot load."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:
        logger.warning("The PDF report is unavailable: WeasyPrint cannot load (%s).", error)
        return None
    return weasyprint


def static_file(url: str, base_url: str) -> str | None:
    """The local path of one of our static files at ``url``, or None."""
    prefix = urljoin(base_url, settings.STATIC_URL)
    if not url.startswith(prefix):
        return None
    name = unquote(urlsplit(url).path)[len(urlsplit(prefix).path) :]
    if not name or "\\" in name or any(part in ("", ".", "..") for part in name.split("/")):
        return None
    try:
        found = finders.find(name)
        if not found and staticfiles_storage.exists(name):
            found = staticfiles_storage.path(name)
    except (SuspiciousFileOperation, ValueError, OSError, NotImplementedError):
        return None  # a suspicious name, or a storage without local files: not served
    return found if isinstance(found, str) else None


def _fetcher(base_url: str):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        """Serves our own static files from disk; refuses everything else."""

        def fetch(self, url, headers=None):
            path = static_file(url, base_url)
            if path is None:
                raise ValueError(f"Not one of Hélice's static files: {url[:200]}")
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            with open(path, "rb") as file:
                body = file.read()
            return URLFetcherResponse(url, body, headers={"Content-Type": content_type})

    return StaticFilesFetcher(allowed_protocols=["http", "https"])


@require_GET
def report_pdf(request):
    """The same report as a PDF (WeasyPrint, print stylesheet)."""
    try:
        start, end = parse_period(request.GET)
    except BadPeriod as error:
        return _bad_period(request, str(error))
    if not ratelimit.hit(request, "strategy.report_pdf", rate=PDF_RATE):
        return ratelimit.too_many_requests(request)
    weasyprint = _weasyprint()
    if weasyprint is None:
        plan = _plan()
        return render(
            request,
            "strategy/report_unavailable.html",
            {"plan": plan, "query": f"du={start.isoformat()}&au={end.isoformat()}"},
            status=503,
        )
    context = _context(request, start, end)
    context["pdf"] = True
    html = render_to_string("strategy/report.html", context, request=request)
    base_url = request.build_absolute_uri("/")
    pdf = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=_fetcher(base_url), media_type="print"
    ).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="helice-rapport-{start.isoformat()}-{end.isoformat()}.pdf"'
    return response
