"""Comments on a proposal: the thread page, and the forms that post, reply, edit
and flag. Every form works without JavaScript (a POST, then a redirect to the
comment); with htmx the answer is the thread section itself, errors included.
Rules in ``rules.py``, writes in ``services_comments``."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from helice.core import ratelimit
from helice.core.pagination import PageError
from helice.core.roles import is_moderator

from . import selectors_comments as selectors
from . import services_comments as services
from .forms_comments import STANCE_CHOICES, CommentEditForm, CommentForm, FlagForm, ReasonForm
from .models import Comment, FlagReason, Follow
from .rules import refusal


def _proposal(consultation: str, slug: str):
    proposal = selectors.public_proposal(consultation, slug)
    if proposal is None:
        raise Http404(_("No such proposal."))
    return proposal


def thread_url(proposal, comment: Comment | None = None) -> str:
    url = reverse("participation:comments", kwargs={"consultation": proposal.consultation.slug, "slug": proposal.slug})
    if comment is not None:
        return f"{url}?commentaire={comment.pk}#comment-{comment.pk}"
    return url


def comments_context(request, proposal, *, page_raw=None, focus: Comment | None = None, forms=None, notice=""):
    """Everything the thread section (``participation/_comments.html``) shows;
    ``forms`` carries a form with errors to show in its place."""
    user = request.user
    if focus is not None:
        page_raw = str(selectors.page_of(focus))
    page, nodes = selectors.thread(proposal, page_raw)
    moderator = is_moderator(user)
    can_comment = user.has_perm("participation.comment", proposal)
    can_answer = user.has_perm("participation.answer_officially", proposal)
    forms = forms or {}
    following = user.is_authenticated and Follow.objects.filter(user=user, proposal=proposal).exists()
    flagged = selectors.flagged_by(user, proposal) if nodes else set()
    flag_counts = selectors.open_flag_counts(proposal) if moderator and nodes else {}
    rows = []
    for node in nodes:
        for item in node.walk():
            comment = item.comment
            rows.append(comment)
            comment.depth = item.depth
            comment.visual_depth = min(item.depth, 3)
            comment.may_edit = user.has_perm("participation.edit_comment", comment)
            comment.may_flag = comment.pk not in flagged and user.has_perm("participation.flag_comment", comment)
            comment.flagged_by_me = comment.pk in flagged
            comment.open_flags = flag_counts.get(comment.pk, 0)
    return {
        "proposal": proposal,
        "page": page,
        "nodes": nodes,
        "comment_total": proposal.comment_count,
        "can_comment": can_comment,
        "can_answer": can_answer,
        "refusal": None if (can_comment or can_answer) else _refusal_text(user, proposal),
        "is_moderator": moderator,
        "following": following,
        "form": (forms.get("new") or {}).get("form")
        or CommentForm(official_allowed=can_answer, initial={"follow": not following}),
        "stance_choices": STANCE_CHOICES,
        "flag_reasons": FlagReason.choices,
        "reply_errors": forms.get("reply"),
        "edit_errors": forms.get("edit"),
        "flag_errors": forms.get("flag"),
        "edit_minutes": settings.PARTICIPATION_COMMENT_EDIT_MINUTES,
        "thread_url": thread_url(proposal),
        "notice": notice,
        "focus": focus,
    }


def _refusal_text(user, proposal) -> str:
    if not proposal.is_public:
        return _("This proposal is not open for comments.")
    return refusal(user, proposal.consultation) or ""


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _section(request, proposal, *, status=HTTPStatus.OK, **kwargs):
    context = comments_context(request, proposal, **kwargs)
    html = render_to_string("participation/_comments.html", context, request=request)
    response = HttpResponse(html, status=status)
    response["Vary"] = "HX-Request"
    return response


def _page(request, proposal, *, status=HTTPStatus.OK, **kwargs):
    context = comments_context(request, proposal, **kwargs)
    return render(request, "participation/comments.html", context, status=status)


def _answer_error(request, proposal, *, status, forms=None, notice="", focus=None):
    """A refused or invalid form: the thread with the message (and the form's
    errors in place), with the status that says it."""
    for key, errors in (forms or {}).items():
        if key != "new" and not notice:
            notice = " ".join(errors["messages"])
    if _is_htmx(request):
        return _section(request, proposal, status=status, forms=forms, notice=notice, focus=focus)
    return _page(request, proposal, status=status, forms=forms, notice=notice, focus=focus)


def _answer_done(request, proposal, comment, notice: str):
    if _is_htmx(request):
        proposal.refresh_from_db(fields=["comment_count"])  # moved by the service (F() update)
        return _section(request, proposal, focus=comment, notice=notice)
    messages.success(request, notice)
    return redirect(thread_url(proposal, comment))


@require_GET
@vary_on_headers("HX-Request")
def comments(request, consultation, slug):
    """The thread of a proposal, paginated (``?page=``); ``?commentaire=<id>``
    opens the page that shows that comment."""
    proposal = _proposal(consultation, slug)
    focus = None
    wanted = request.GET.get("commentaire", "")
    if wanted:
        if not wanted.isdigit() or len(wanted) > 18:
            return _bad_request(request, _("“%(value)s” is not a comment number.") % {"value": wanted[:20]})
        focus = Comment.objects.filter(pk=int(wanted), proposal=proposal).first()
        if focus is None:
            raise Http404(_("No such comment on this proposal."))
    try:
        if _is_htmx(request):
            return _section(request, proposal, page_raw=request.GET.get("page"), focus=focus)
        return _page(request, proposal, page_raw=request.GET.get("page"), focus=focus)
    except PageError as error:
        return _bad_request(request, error.message, status=error.status)


def _bad_request(request, message, status=HTTPStatus.BAD_REQUEST):
    return render(request, "participation/comments_problem.html", {"message": message}, status=status)


def _require_login(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


@require_POST
def comment_post(request, consultation, slug):
    """A new comment, or a reply (``parent``)."""
    if (answer := _require_login(request)) is not None:
        return answer
    proposal = _proposal(consultation, slug)
    if not ratelimit.hit(request, "participation.comment", rate=settings.PARTICIPATION_COMMENT_RATE):
        return ratelimit.too_many_requests(request)
    can_answer = request.user.has_perm("participation.answer_officially", proposal)
    form = CommentForm(request.POST, official_allowed=can_answer)  # a filled honeypot answers 400
    key = "reply" if request.POST.get("parent") else "new"
    if not form.is_valid():
        return _answer_error(request, proposal, status=HTTPStatus.BAD_REQUEST, forms={key: _errors(form, request)})
    data = form.cleaned_data
    parent = None
    if data.get("parent"):
        parent = Comment.objects.filter(pk=data["parent"], proposal=proposal).first()
        if parent is None:
            return _answer_error(
                request, proposal, status=HTTPStatus.NOT_FOUND, notice=_("No such comment to reply to.")
            )
    try:
        comment = services.comment_create(
            proposal=proposal,
            author=request.user,
            body=data["body"],
            stance=data["stance"],
            parent=parent,
            official=bool(data.get("official")),
            follow=bool(data.get("follow")),
        )
    except services.CommentError as error:
        return _answer_error(request, proposal, status=error.status, notice=error.message, focus=parent)
    notice = _("Your reply is published.") if parent else _("Your comment is published.")
    return _answer_done(request, proposal, comment, notice)


def _errors(form, request) -> dict:
    """A failed form's errors and values, keyed for the template."""
    return {
        "parent": request.POST.get("parent", ""),
        "comment": request.POST.get("comment", ""),
        "form": form,
        "messages": [
            f"{form.fields[name].label}: {e}" if name in form.fields else e
            for name, errs in form.errors.items()
            for e in errs
        ],
    }


def _comment(proposal, pk) -> Comment:
    comment = Comment.objects.filter(pk=pk, proposal=proposal).select_related("author").first()
    if comment is None:
        raise Http404(_("No such comment on this proposal."))
    return comment


@require_POST
def comment_edit(request, consultation, slug, pk):
    if (answer := _require_login(request)) is not None:
        return answer
    proposal = _proposal(consultation, slug)
    comment = _comment(proposal, pk)
    if not ratelimit.hit(request, "participation.comment", rate=settings.PARTICIPATION_COMMENT_RATE):
        return ratelimit.too_many_requests(request)
    form = CommentEditForm(request.POST, prefix_id=f"edit-{comment.pk}")
    if not form.is_valid():
        errors = _errors(form, request) | {"comment": str(comment.pk)}
        return _answer_error(request, proposal, status=HTTPStatus.BAD_REQUEST, forms={"edit": errors}, focus=comment)
    try:
        comment = services.comment_edit(
            comment=comment, by=request.user, body=form.cleaned_data["body"], stance=form.cleaned_data["stance"]
        )
    except services.CommentError as error:
        return _answer_error(request, proposal, status=error.status, notice=error.message, focus=comment)
    return _answer_done(request, proposal, comment, _("Your comment is changed."))


@require_POST
def comment_flag(request, consultation, slug, pk):
    if (answer := _require_login(request)) is not None:
        return answer
    proposal = _proposal(consultation, slug)
    comment = _comment(proposal, pk)
    if not ratelimit.hit(request, "participation.flag", rate=settings.PARTICIPATION_FLAG_RATE):
        return ratelimit.too_many_requests(request)
    form = FlagForm(request.POST, prefix_id=f"flag-{comment.pk}")  # a filled honeypot answers 400
    if not form.is_valid():
        errors = _errors(form, request) | {"comment": str(comment.pk)}
        return _answer_error(request, proposal, status=HTTPStatus.BAD_REQUEST, forms={"flag": errors}, focus=comment)
    try:
        services.comment_flag(
            comment=comment, by=request.user, reason=form.cleaned_data["reason"], details=form.cleaned_data["details"]
        )
    except services.CommentError as error:
        return _answer_error(request, proposal, status=error.status, notice=error.message, focus=comment)
    return _answer_done(request, proposal, comment, _("Thank you: the moderators will look at this comment."))


@require_POST
def comment_hide(request, consultation, slug, pk):
    """A moderator hides a comment from the thread (also possible from the queue)."""
    if (answer := _require_login(request)) is not None:
        return answer
    proposal = _proposal(consultation, slug)
    comment = _comment(proposal, pk)
    if not request.user.has_perm("participation.moderate"):
        return _answer_error(request, proposal, status=HTTPStatus.FORBIDDEN, notice=_("Only moderators may do this."))
    form = ReasonForm(request.POST, prefix_id=f"hide-{comment.pk}")
    if not form.is_valid():
        return _answer_error(
            request, proposal, status=HTTPStatus.BAD_REQUEST, notice=_("Say why the comment is hidden."), focus=comment
        )
    try:
        services.comment_hide(comment=comment, by=request.user, reason=form.cleaned_data["reason"])
    except services.CommentError as error:
        return _answer_error(request, proposal, status=error.status, notice=error.message, focus=comment)
    comment.refresh_from_db()
    return _answer_done(request, proposal, comment, _("The comment is hidden."))
