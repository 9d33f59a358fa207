"""The partner edits its organisation's profile: a form, a preview, and a
revision that is published at once (trusted organisation, or a moderator) or
held for review. Members and moderators only; anyone else gets a 404, so the
existence of a draft never leaks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helice.core.uploads import store_image
from helice.directory.models import Organization
from helice.directory.services import organization_set_trust
from helice.moderation import selectors as moderation_selectors
from helice.moderation import services as moderation
from helice.moderation.models import Revision
from helice.moderation.registry import adapter_for

from ..forms.organization import OrganizationProfileForm


def editable_organization_or_404(request, slug) -> Organization:
    organization = get_object_or_404(Organization.objects.select_related("commune"), slug=slug)
    if not request.user.has_perm("directory.edit_organization", organization):
        raise Http404(_("No organisation you can edit has this address."))
    return organization


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, slug):
    organization = editable_organization_or_404(request, slug)
    pending = moderation_selectors.pending_revision_for(organization)
    publishes_at_once = moderation.publishes_at_once(organization, request.user)
    # The form starts from the waiting proposal, else from the published state,
    # both in the revision's terms (a commune by INSEE code, sectors by slug).
    state = moderation_selectors.editing_state(organization, pending=pending)
    preview = None
    status = 200
    if request.method == "POST":
        form = OrganizationProfileForm(request.POST, request.FILES, organization=organization, base=state)
        if form.is_valid():
            if request.POST.get("action") == "preview":
                copy, related = adapter_for(Organization).preview(organization, form.proposed_data())
                preview = {"organization": copy, "sectors": related.get("sectors", [])}
            else:
                upload = form.cleaned_data.get("logo_upload")
                data = form.proposed_data(
                    stored_logo=store_image(upload, Organization._meta.get_field("logo")) if upload else None
                )
                try:
                    revision = moderation.revision_submit(
                        obj=organization, data=data, author=request.user, comment=form.cleaned_data.get("comment", "")
                    )
                except moderation.RevisionError as error:
                    messages.info(request, " ".join(error.messages))
                    return redirect("accounts:organization_edit", slug=organization.slug)
                if revision.status == "published":
                    messages.success(request, _("Your changes are published."))
                elif revision.status == "pending":
                    messages.success(
                        request,
                        _("Your changes are sent to the metropolis's team; they will be published once reviewed."),
                    )
                else:
                    messages.info(request, _("Your proposal is withdrawn: the profile stays as published."))
                return redirect("accounts:organization", slug=organization.slug)
        else:
            status = 400
    else:
        form = OrganizationProfileForm(
            initial=OrganizationProfileForm.initial_from(state), organization=organization, base=state
        )
    context = {
        "organization": organization,
        "form": form,
        "pending": pending,
        "preview": preview,
        "publishes_at_once": publishes_at_once,
        "logo_url": default_storage.url(state["logo"]) if state.get("logo") else None,
    }
    return render(request, "accounts/organization_edit.html", context, status=status)


@login_required
@require_POST
def revision_withdraw(request, slug, pk):
    organization = editable_organization_or_404(request, slug)
    revision = get_object_or_404(Revision, pk=pk, organization=organization)
    try:
        moderation.revision_withdraw(revision=revision, by=request.user)
        messages.success(request, _("Your proposal is withdrawn."))
    except moderation.RevisionError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("accounts:organization", slug=organization.slug)


@login_required
@require_POST
def organization_trust(request, slug):
    organization = editable_organization_or_404(request, slug)
    if not request.user.has_perm("directory.set_trust", organization):
        raise Http404(_("No organisation you can edit has this address."))
    trusted = request.POST.get("trusted") == "1"
    organization_set_trust(organization=organization, trusted=trusted, by=request.user)
    if trusted:
        messages.success(request, _("Changes by this organisation's members are now published without review."))
    else:
        messages.success(request, _("Changes by this organisation's members now wait for review."))
    return redirect("accounts:organization", slug=organization.slug)
