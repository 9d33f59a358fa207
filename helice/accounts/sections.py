"""What the partner space adds to an organisation's public page."""

from django.utils.translation import gettext_lazy as _

from helice.core import sections


def _partner_entry(organization):
    return sections.Section(
        title=_("Do you work for this organisation?"),
        template="accounts/_join_section.html",
        items=organization,
        order=900,
    )


def register() -> None:
    sections.register("directory.Organization", _partner_entry)
