"""Moderation pages for the metropolis's team: the queue of changes waiting for
review, each change with its differences, and each object's history (compare
two versions, restore one). Moderators only; everyone else gets a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helice.core.pagination import PageError, get_page

from . import diff, selectors, services
from .forms import CompareForm, RejectForm
from .models import Revision, RevisionStatus
from .registry import adapter_for

PER_PAGE = 25


def _require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


@login_required
@require_GET
def queue(request):
    _require(request, "moderation.review")
    revisions = selectors.pending_revisions()
    status = 200
    try:
        page = get_page(revisions, request.GET.get("page"), PER_PAGE)
    except PageError as exc:
        page, status = None, exc.status
        messages.error(request, exc.message)
    rows = []
    for revision in page.object_list if page else []:
        try:
            adapter = adapter_for(revision.content_type.model_class())
            fields = [adapter.label(name) for name in revision.changed_fields]
        except LookupError:  # a kind of content no longer moderated: show the raw names
            fields = revision.changed_fields
        rows.append((revision, fields))
    return render(request, "moderation/queue.html", {"page": page, "rows": rows}, status=status)


def _revision_or_404(pk) -> Revision:
    revision = get_object_or_404(Revision.objects.select_related("author", "reviewed_by", "content_type"), pk=pk)
    try:
        adapter_for(revision.content_type.model_class())
    except LookupError:
        raise Http404(_("This kind of content has no history.")) from None
    return revision


@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk):
    _require(request, "moderation.review")
    revision = _revision_or_404(pk)
    reject_form = RejectForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                services.revision_approve(revision=revision, by=request.user)
                messages.success(request, _("The change is published."))
                return redirect("moderation:queue")
            if action == "reject":
                reject_form = RejectForm(request.POST)
                if reject_form.is_valid():
                    services.revision_reject(
                        revision=revision, by=request.user, reason=reject_form.cleaned_data["reason"]
                    )
                    messages.success(request, _("The change is refused; the partner can read your reason."))
                    return redirect("moderation:queue")
                status = 400
            else:
                messages.error(request, _("Choose to publish or to refuse the change."))
                status = 400
        except services.RevisionError as error:
            messages.error(request, " ".join(error.messages))
            status = 409
        revision.refresh_from_db()
    adapter = adapter_for(revision.content_type.model_class())
    obj = revision.content_object
    context = {
        "revision": revision,
        "object": obj,
        "changes": diff.changes(adapter, revision.previous_data, revision.data),
        "approval_note": adapter.note_on_approval(obj) if revision.is_pending else "",
        "reject_form": reject_form,
        "history_url": _history_url(revision),
    }
    return render(request, "moderation/review.html", context, status=status)


def _history_url(revision):
    return reverse("moderation:history", args=[revision.content_type_id, revision.object_id])


@login_required
@require_GET
def history(request, content_type_id, object_id):
    _require(request, "moderation.view_history")
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model = content_type.model_class()
    try:
        adapter = adapter_for(model)
    except LookupError:
        raise Http404(_("This kind of content has no history.")) from None
    revisions = list(selectors.object_history(content_type=content_type, object_id=object_id))
    if not revisions:
        raise Http404(_("No history is recorded for this content."))
    obj = model._default_manager.filter(pk=object_id).first()
    published = [r for r in revisions if r.status == RevisionStatus.PUBLISHED]
    context = {
        "revisions": revisions,
        "object": obj,
        "object_repr": revisions[0].object_repr,
        # The newest published revision is the version online: nothing to restore.
        "current": published[0] if published else None,
        "restorable": published[1:],
    }
    status = 200
    if "before" in request.GET or "after" in request.GET:
        form = CompareForm(request.GET)
        by_id = {r.pk: r for r in revisions}
        if form.is_valid() and form.cleaned_data["before"] in by_id and form.cleaned_data["after"] in by_id:
            before, after = by_id[form.cleaned_data["before"]], by_id[form.cleaned_data["after"]]
            context.update(
                compared=(before, after),
                changes=diff.changes(adapter, before.data, after.data),
            )
        else:
            context["compare_error"] = _("Choose two versions of this content from the list.")
            status = 400
    return render(request, "moderation/history.html", context, status=status)


@login_required
@require_POST
def restore(request, pk):
    _require(request, "moderation.revert")
    revision = _revision_or_404(pk)
    try:
        services.revision_restore(revision=revision, by=request.user)
        messages.success(request, _("The earlier version is restored and published."))
    except services.RevisionError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_history_url(revision))
