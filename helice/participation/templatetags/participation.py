"""Template helpers of participation."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``mapping[key]``, or None (for dictionaries built by the views)."""
    if not mapping:
        return None
    return mapping.get(key)


def opinion_marks(my_opinions: dict) -> dict:
    """The "your opinion" mark of each card, {proposal id: HTML}, from the person's
    opinions ({proposal id: value}); filled outside the list's cache (list_cache.py)."""
    from django.utils.html import format_html
    from django.utils.translation import gettext

    if not my_opinions:
        return {}
    labels = {"agree": gettext("agree"), "mixed": gettext("mixed"), "disagree": gettext("disagree")}
    your_opinion = gettext("your opinion:")
    return {
        pk: format_html(" · <strong>{} {}</strong>", your_opinion, labels.get(value, labels["disagree"]))
        for pk, value in my_opinions.items()
        if value
    }


@register.simple_tag
def proposal_cards(proposals, my_opinions=None):
    """The proposals list's cards (``<li class="proposal-card">``), written in Python:
    twenty cards with four plural translations each were most of the list page's
    time through the template engine (docs/benchmarks.md, "Participation"). Same
    markup as the template gave; every value escaped by format_html."""
    from django.utils.html import escape, format_html
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext, ngettext

    def counted(text, n):  # as {% blocktranslate count %}: the catalogue's text, the number
        return mark_safe(text % {"counter": int(n)})  # noqa: S308 - catalogue and int

    from .. import list_cache

    # With list_cache.SLOTS each card gets its slot instead of a mark (the cached fragment).
    slots = isinstance(my_opinions, list_cache._Slots)
    marks = {} if slots else opinion_marks(my_opinions)
    example = gettext("Example")
    cards = []
    for proposal in proposals:
        meta = format_html(
            '{}{} · <span class="state-label state-{}">{}</span>{}{}',
            proposal.get_origin_display(),
            format_html(" {}", proposal.reference) if proposal.reference else "",
            proposal.state,
            proposal.get_state_display(),
            mark_safe(" · " + gettext("objective %(code)s") % {"code": escape(proposal.objective.code)})  # noqa: S308
            if proposal.objective_id
            else "",
            format_html(' · <strong class="example-flag">{}</strong>', example) if proposal.is_example else "",
        )
        counts = format_html(
            "{}, {}, {} · {}{}",
            counted(ngettext("%(counter)s agrees", "%(counter)s agree", proposal.agree_count), proposal.agree_count),
            mark_safe(gettext("%(n)s mixed") % {"n": int(proposal.mixed_count)}),  # noqa: S308 - catalogue and int
            counted(
                ngettext("%(counter)s disagrees", "%(counter)s disagree", proposal.disagree_count),
                proposal.disagree_count,
            ),
            counted(
                ngettext("%(counter)s comment", "%(counter)s comments", proposal.comment_count), proposal.comment_count
            ),
            list_cache.slot(proposal.pk) if slots else marks.get(proposal.pk, ""),
        )
        cards.append(
            format_html(
                '<li class="org-card proposal-card"><h3><a href="{}">{}</a></h3>'
                '<p class="meta">{}</p><p class="counts">{}</p></li>',
                proposal.get_absolute_url(),
                proposal.title,
                meta,
                counts,
            )
        )
    return mark_safe("".join(cards))  # noqa: S308 - each card built by format_html
