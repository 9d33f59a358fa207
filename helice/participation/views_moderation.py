"""The participation moderators' queue: ideas waiting for moderation, flagged
comments, blocked accounts and the history of decisions (moderators only:
anonymous visitors are sent to sign in, others get a 403)."""

from __future__ import annotations

import datetime
from functools import wraps
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from helice.core.pagination import PageError, get_page

from . import selectors_comments as selectors
from . import services_comments as services
from .forms_comments import BlockForm, ReasonForm
from .models import Comment

PER_PAGE = 30


def moderators_only(view):
    @wraps(view)
    @never_cache
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm("participation.moderate"):
            raise PermissionDenied(_("Only moderators may see this page."))
        return view(request, *args, **kwargs)

    return wrapped


def _paged(request, queryset, template, context):
    try:
        page = get_page(queryset, request.GET.get("page"), PER_PAGE)
    except PageError as error:
        return render(request, "participation/comments_problem.html", {"message": error.message}, status=error.status)
    return render(request, template, {"page": page, "counts": selectors.queue_counts(), **context})


@moderators_only
@require_GET
def queue(request):
    """The ideas waiting for moderation, oldest first."""
    return _paged(request, selectors.ideas_waiting(), "participation/moderation/ideas.html", {"tab": "ideas"})


@moderators_only
@require_GET
def flagged(request):
    return _paged(request, selectors.flagged_comments(), "participation/moderation/comments.html", {"tab": "comments"})


@moderators_only
@require_GET
def blocks(request):
    return _paged(request, selectors.active_blocks(), "participation/moderation/blocks.html", {"tab": "blocks"})


@moderators_only
@require_GET
def history(request):
    return _paged(request, selectors.decisions(), "participation/moderation/history.html", {"tab": "history"})


def _comment_or_404(pk) -> Comment:
    comment = Comment.objects.select_related("author", "proposal__consultation", "hidden_by").filter(pk=pk).first()
    if comment is None:
        raise Http404(_("No such comment."))
    return comment


def _comment_page(request, comment, *, status=HTTPStatus.OK, hide_form=None, dismiss_form=None, block_form=None):
    context = {
        "comment": comment,
        "flags": selectors.comment_flags(comment),
        "decisions": comment.decisions.select_related("by").order_by("-at", "-pk"),
        "hide_form": hide_form or ReasonForm(prefix_id="hide"),
        "dismiss_form": dismiss_form
        or ReasonForm(prefix_id="dismiss", required=False, label=_("Note (optional, moderators only)")),
        "block_form": block_form or BlockForm(prefix_id="block"),
        "author_block": services.active_block(comment.author) if comment.author_id else None,
        "counts": selectors.queue_counts(),
        "tab": "comments",
    }
    return render(request, "participation/moderation/comment.html", context, status=status)


@moderators_only
@require_GET
def comment_detail(request, pk):
    return _comment_page(request, _comment_or_404(pk))


def _refused(request, error, comment, **forms):
    messages.error(request, error.message)
    return _comment_page(request, comment, status=error.status, **forms)


@moderators_only
@require_POST
def comment_hide(request, pk):
    comment = _comment_or_404(pk)
    form = ReasonForm(request.POST, prefix_id="hide")
    if not form.is_valid():
        return _comment_page(request, comment, status=HTTPStatus.BAD_REQUEST, hide_form=form)
    try:
        services.comment_hide(comment=comment, by=request.user, reason=form.cleaned_data["reason"])
    except services.CommentError as error:
        return _refused(request, error, comment, hide_form=form)
    messages.success(request, _("The comment is hidden; the reason is shown in its place."))
    return redirect("participation:moderation_comments")


@moderators_only
@require_POST
def comment_dismiss(request, pk):
    comment = _comment_or_404(pk)
    form = ReasonForm(request.POST, prefix_id="dismiss", required=False)
    if not form.is_valid():
        return _comment_page(request, comment, status=HTTPStatus.BAD_REQUEST, dismiss_form=form)
    try:
        services.comment_flags_dismiss(comment=comment, by=request.user, reason=form.cleaned_data["reason"])
    except services.CommentError as error:
        return _refused(request, error, comment, dismiss_form=form)
    messages.success(request, _("The flags are dismissed; the comment stays."))
    return redirect("participation:moderation_comments")


def _user_or_404(pk):
    user = get_user_model().objects.filter(pk=pk).first()
    if user is None:
        raise Http404(_("No such account."))
    return user


@moderators_only
@require_POST
def user_block(request, pk):
    """Block an account (from one of its comments: ``comment`` says which, to go back to it)."""
    user = _user_or_404(pk)
    comment = (
        Comment.objects.filter(pk=request.POST.get("comment") or 0, author=user).first()
        if (request.POST.get("comment", "").isdigit())
        else None
    )
    form = BlockForm(request.POST, prefix_id="block")
    if not form.is_valid():
        if comment is not None:
            return _comment_page(request, _comment_or_404(comment.pk), status=HTTPStatus.BAD_REQUEST, block_form=form)
        return _blocks_refused(request, services.CommentError(_("Say why the account is blocked.")))
    days = form.cleaned_data.get("days")
    until = timezone.now() + datetime.timedelta(days=days) if days else None
    try:
        services.user_block(user=user, by=request.user, reason=form.cleaned_data["reason"], until=until)
    except services.CommentError as error:
        if comment is not None:
            messages.error(request, error.message)
            return _comment_page(request, _comment_or_404(comment.pk), status=error.status, block_form=form)
        return _blocks_refused(request, error)
    messages.success(request, _("%(name)s may no longer take part in consultations.") % {"name": user.public_name})
    return redirect("participation:moderation_blocks")


def _blocks_refused(request, error):
    messages.error(request, error.message)
    response = _paged(request, selectors.active_blocks(), "participation/moderation/blocks.html", {"tab": "blocks"})
    response.status_code = error.status
    return response


@moderators_only
@require_POST
def user_unblock(request, pk):
    user = _user_or_404(pk)
    try:
        services.user_unblock(user=user, by=request.user)
    except services.CommentError as error:
        return _blocks_refused(request, error)
    messages.success(request, _("%(name)s may take part again.") % {"name": user.public_name})
    return redirect("participation:moderation_blocks")


@moderators_only
@require_POST
def idea_decide(request, pk):
    """Publish an idea waiting for moderation, or refuse it with a reason."""
    from .models import Proposal

    proposal = Proposal.objects.filter(pk=pk).first()
    if proposal is None:
        raise Http404(_("No such idea."))
    publish = request.POST.get("decision") == "publish"
    form = ReasonForm(request.POST, prefix_id=f"idea-{pk}", required=not publish)
    try:
        if not form.is_valid():
            raise services.CommentError(_("Say why the idea is refused: its author will read it."))
        services.idea_moderate(proposal=proposal, by=request.user, publish=publish, reason=form.cleaned_data["reason"])
    except services.CommentError as error:
        messages.error(request, error.message)
        response = _paged(request, selectors.ideas_waiting(), "participation/moderation/ideas.html", {"tab": "ideas"})
        response.status_code = error.status
        return response
    if publish:
        messages.success(request, _("The idea “%(title)s” is published.") % {"title": proposal.title})
    else:
        messages.success(
            request, _("The idea “%(title)s” is refused; its author can read why.") % {"title": proposal.title}
        )
    return redirect("participation:moderation")
