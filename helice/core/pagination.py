"""Pagination with clear answers to bad page numbers (never a 500)."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _


class PageError(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class PageRequest:
    number: int


def parse_page_number(raw: str | None) -> int:
    if raw in (None, ""):
        return 1
    raw = str(raw).strip()
    if not raw.isdigit() or len(raw) > 9:
        raise PageError(_("“%(page)s” is not a page number.") % {"page": raw[:20]}, 400)
    number = int(raw)
    if number < 1:
        raise PageError(_("Page numbers start at 1."), 400)
    return number


def get_page(queryset, raw_number: str | None, per_page: int, *, count: int | None = None) -> Page:
    """The requested page, or PageError (400 for a malformed number, 404 past the end)."""
    number = parse_page_number(raw_number)
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # reuse a count already made
    if number > paginator.num_pages:
        raise PageError(
            _("Page %(page)d does not exist: there are %(pages)d pages.")
            % {"page": number, "pages": paginator.num_pages},
            404,
        )
    return paginator.page(number)
