"""Template helpers of comments: the thread section of a proposal's page, and
rich text as plain text for the e-mails."""

from django import template

from helice.core.sanitize import plain_text

register = template.Library()


@register.filter
def plaintext(value):
    """A rich-text value as plain text (tags removed, entities decoded): for mails."""
    return plain_text(value)


@register.inclusion_tag("participation/_comments.html", takes_context=True)
def proposal_comments(context, proposal):
    """The thread of ``proposal`` (first page), with its forms: ``{% proposal_comments proposal %}``."""
    from helice.participation.views_comments import comments_context

    request = context["request"]
    return {
        **comments_context(request, proposal),
        "request": request,
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("participation/_follow_button.html", takes_context=True)
def follow_button(context, target):
    """Follow / stop following a proposal or a consultation (signed-in people only;
    nothing for visitors)."""
    from helice.participation.models import Follow, Proposal

    request = context["request"]
    user = request.user
    kind = "proposal" if isinstance(target, Proposal) else "consultation"
    following = user.is_authenticated and Follow.objects.filter(user=user, **{kind: target}).exists()
    return {
        "target": target,
        "kind": kind,
        "following": following,
        "next": request.get_full_path(),
        "show": user.is_authenticated,
        "csrf_token": context.get("csrf_token"),
    }
