"""The operators' members keep their space current from the partner space, with a
preview, through the moderation mechanism (helice.moderation), like a guichet
service or their organisation's profile. Anyone who may not edit the space gets
a 404: nothing leaks. The availability has its own page
(views.confirm_availability), published at once."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helice.accounts.rules import organization_roles
from helice.core.uploads import store_image
from helice.moderation import selectors as moderation_selectors
from helice.moderation import services as moderation
from helice.moderation.registry import adapter_for

from . import selectors
from .forms_partner import MAX_PHOTOS, SpaceEditForm
from .models import Space, SpacePhoto


def _editable(request, slug) -> Space:
    space = Space.objects.filter(slug=slug).select_related("commune").prefetch_related("operators", "sectors").first()
    if space is None or not request.user.has_perm("spaces.edit_space", space):
        raise Http404(_("No space you can edit has this address."))
    return space


def _back(request, space):
    """After saving: the member's organisation page in the partner space (where
    the space is listed), else the space's edit page (a moderator)."""
    roles = organization_roles(request.user)
    for operator in space.operators.all():
        if operator.pk in roles:
            return redirect("accounts:organization", slug=operator.slug)
    return redirect("spaces:edit", slug=space.slug)


@login_required
@require_http_methods(["GET", "POST"])
def space_edit(request, slug):
    space = _editable(request, slug)
    adapter = adapter_for(Space)
    pending = moderation_selectors.pending_revision_for(space)
    state = moderation_selectors.editing_state(space, pending=pending)
    refusal = None if pending else selectors.with_moderation_state([space])[0].refusal
    preview, status = None, 200
    if request.method == "POST":
        form = SpaceEditForm(request.POST, request.FILES, space=space, base=state)
        if form.is_valid():
            if request.POST.get("action") == "preview":  # a new photo is stored only when sent
                copy, related = adapter.preview(space, form.proposed_data())
                preview = {"space": copy, "new_photo_waiting": bool(form.cleaned_data.get("new_photo")), **related}
            else:
                upload = form.cleaned_data.get("new_photo")
                data = form.proposed_data(
                    stored_photo=store_image(upload, SpacePhoto._meta.get_field("image")) if upload else None
                )
                try:
                    revision = moderation.revision_submit(
                        obj=space, data=data, author=request.user, comment=form.cleaned_data.get("comment", "")
                    )
                except moderation.RevisionError as error:
                    messages.info(request, " ".join(error.messages))
                    return redirect("spaces:edit", slug=space.slug)
                if revision.status == "published":
                    messages.success(request, _("Your changes are published."))
                elif revision.status == "pending":
                    messages.success(
                        request,
                        _("Your changes are sent to the metropolis's team; they will be published once reviewed."),
                    )
                else:
                    messages.info(request, _("Your proposal is withdrawn: the space stays as published."))
                return _back(request, space)
        else:
            status = 400
    else:
        form = SpaceEditForm(initial=SpaceEditForm.initial_from(state), space=space, base=state)
    context = {
        "space": space,
        "form": form,
        "pending": pending,
        "refusal": refusal,
        "preview": preview,
        "publishes_at_once": moderation.publishes_at_once(space, request.user),
        "can_confirm": request.user.has_perm("spaces.confirm_availability", space),
        "max_photos": MAX_PHOTOS,
    }
    return render(request, "spaces/space_edit.html", context, status=status)
