from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from helice.moderation import selectors as moderation_selectors

register = template.Library()


@register.inclusion_tag("accounts/_organization_profile_panel.html", takes_context=True)
def organization_profile_panel(context, organization):
    """The profile panel of an organisation's page in the partner space."""
    user = context["request"].user
    history_url = None
    # One query (is there a history?); the content type comes from Django's cache.
    if user.has_perm("moderation.view_history") and moderation_selectors.object_history(organization).exists():
        content_type = ContentType.objects.get_for_model(organization)
        history_url = reverse("moderation:history", args=[content_type.pk, organization.pk])
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "organization": organization,
        "profile": {
            "revisions": moderation_selectors.organization_revisions(organization),
            "can_set_trust": user.has_perm("directory.set_trust", organization),
            "history_url": history_url,
        },
    }
