"""schema.org descriptions: a consultation as a ``WebPage`` about a ``Project``, a
proposal as a ``CreativeWork`` with its comment and opinion counts."""

from helice.core.jsonld import absolute_url
from helice.core.sanitize import plain_text


def consultation(c, request) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": c.title,
        "url": absolute_url(c.get_absolute_url(), request),
        "about": {"@type": "Project", "name": c.title},
    }
    if c.summary:
        data["description"] = c.summary
    if c.opens_on:
        data["datePublished"] = c.opens_on.isoformat()
    return data


def proposal(p, request) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "name": p.title,
        "url": absolute_url(p.get_absolute_url(), request),
        "text": plain_text(p.body)[:2000],
        "isPartOf": {
            "@type": "WebPage",
            "name": p.consultation.title,
            "url": absolute_url(p.consultation.get_absolute_url(), request),
        },
        "interactionStatistic": [
            {
                "@type": "InteractionCounter",
                "interactionType": "https://schema.org/CommentAction",
                "userInteractionCount": p.comment_count,
            },
            {
                "@type": "InteractionCounter",
                "interactionType": "https://schema.org/AgreeAction",
                "userInteractionCount": p.agree_count,
            },
            {
                "@type": "InteractionCounter",
                "interactionType": "https://schema.org/DisagreeAction",
                "userInteractionCount": p.disagree_count,
            },
        ],
    }
    if p.published_at:
        data["datePublished"] = p.published_at.isoformat()
    return data
