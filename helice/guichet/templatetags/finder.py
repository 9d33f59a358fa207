"""The finder's form controls, written in Python: the form offers about 150
choices and is on the guichet's hottest page (docs/benchmarks.md). Every value is
escaped by format_html; ids, labels and descriptions follow Django's own
rendering (``id_<name>``, ``<id>_helptext``), so labels and help stay tied."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

_CHECKED = mark_safe(" checked")
_SELECTED = mark_safe(" selected")


def _errors(field):
    if not field.errors:
        return ""
    return format_html(
        '<ul class="errorlist" id="{}_error">{}</ul>',
        field.auto_id,
        format_html_join("", "<li>{}</li>", ((e,) for e in field.errors)),
    )


def _described_by(field) -> str:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.simple_tag
def finder_needs(form):
    """The needs, each with its sub-needs, as nested checkboxes."""
    chosen = set(form["need"].value() or [])

    def box(choice):
        return format_html(
            '<input type="checkbox" name="need" value="{0}" id="need-{0}"{1}> <label for="need-{0}">{2}</label>',
            choice.code,
            _CHECKED if choice.code in chosen else "",
            choice.name,
        )

    items = []
    for parent, children in form.needs_by_parent:
        sub = format_html_join("", "<li>{}</li>", ((box(c),) for c in children))
        items.append(format_html("<li>{}{}</li>", box(parent), format_html("<ul>{}</ul>", sub) if children else ""))
    return format_html('<ul class="finder-needs">{}</ul>', mark_safe("".join(items)))  # noqa: S308 - built by format_html


@register.simple_tag
def finder_select(form, name):
    """A labelled <select> for one of the finder's single-choice fields."""
    field = form[name]
    value = field.value() or ""
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((code, _SELECTED if str(code) == str(value) else "", label) for code, label in field.field.choices),
    )
    described = _described_by(field)
    return format_html(
        '<label for="{0}">{1}</label>{2}{3}<select name="{4}" id="{0}"{5}>{6}</select>',
        field.auto_id,
        field.label,
        format_html('<div class="helptext" id="{}_helptext">{}</div>', field.auto_id, field.help_text)
        if field.help_text
        else "",
        _errors(field),
        field.html_name,
        format_html(' aria-describedby="{}" aria-invalid="true"', described)
        if field.errors
        else (format_html(' aria-describedby="{}"', described) if described else ""),
        options,
    )


@register.simple_tag
def finder_cards(matches, ask_query=""):
    """The ranked results as cards (``<li class="org-card">``), in Python for the
    same reason as the form: twenty cards through the template engine were half
    of an uncached finder page. Same markup as a template would give."""
    from django.template.defaultfilters import truncatewords
    from django.urls import reverse
    from django.utils.translation import gettext

    request_url = reverse("guichet:request")
    why, next_step = gettext("Why it fits:"), gettext("Next step:")
    no_reason = gettext("It matches no criterion in particular: you gave none that narrows the list.")
    default_step = gettext("read the service's page, then contact its provider.")
    cards = []
    for match in matches:
        service = match.service
        url = service.get_absolute_url()
        name = service.display_name
        state = service.call_state()
        providers = ", ".join(p.name for p in service.providers.all())
        meta = format_html(
            "{} · {}{}",
            service.get_kind_display(),
            providers,
            format_html(' · <span class="status-label">{}</span>', service.call_state_label)
            if state != "permanent"
            else "",
        )
        reasons = format_html_join("", "<li>{}</li>", ((r,) for r in match.reasons)) or format_html(
            "<li>{}</li>", no_reason
        )
        ask = f"{request_url}?service={service.slug}" + (f"&{ask_query}" if ask_query else "")
        cards.append(
            format_html(
                '<li class="org-card"><h3><a href="{url}">{name}</a></h3><p class="meta">{meta}</p>{summary}'
                '<p class="reasons-title"><strong>{why}</strong></p><ul class="reasons">{reasons}</ul>'
                '<p class="next-step"><strong>{next_step}</strong> {step} <a href="{url}">{details}</a> · '
                '<a href="{ask}">{ask_label}</a></p></li>',
                url=url,
                name=name,
                meta=meta,
                summary=format_html("<p>{}</p>", service.summary) if service.summary else "",
                why=why,
                reasons=reasons,
                next_step=next_step,
                step=truncatewords(service.how_to_apply, 40) if service.how_to_apply else default_step,
                details=gettext("Details of %(name)s") % {"name": name},
                ask=ask,
                ask_label=gettext("Send a request about %(name)s") % {"name": name},
            )
        )
    return mark_safe("".join(cards))  # noqa: S308 - each card built by format_html
