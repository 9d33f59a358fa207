"""The providers' members edit their services from the partner space, with a
preview, through the moderation mechanism (like their organisation's profile).
Anyone who may not edit the service, or a service that the organisation in the
address does not provide, gets a 404: nothing leaks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helice.directory.models import Organization
from helice.moderation import selectors as moderation_selectors
from helice.moderation import services as moderation
from helice.moderation.registry import adapter_for

from .forms import ServiceEditForm
from .models import Service


def _editable(request, organization_slug, service_slug) -> tuple[Organization, Service]:
    organization = get_object_or_404(Organization, slug=organization_slug)
    service = (
        Service.objects.filter(slug=service_slug, providers=organization)
        .prefetch_related("providers", "needs", "stages", "sectors")
        .first()
    )
    if service is None or not request.user.has_perm("guichet.edit_service", service):
        raise Http404(_("No service you can edit has this address."))
    return organization, service


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request, organization_slug, service_slug):
    organization, service = _editable(request, organization_slug, service_slug)
    pending = moderation_selectors.pending_revision_for(service)
    state = pending.data if pending else adapter_for(Service).serialize(service)
    preview, status = None, 200
    if request.method == "POST":
        form = ServiceEditForm(request.POST, service=service, base=state)
        if form.is_valid():
            data = form.proposed_data()
            if request.POST.get("action") == "preview":
                copy, related = adapter_for(Service).preview(service, data)
                preview = {"service": copy, **related}
            else:
                try:
                    revision = moderation.revision_submit(
                        obj=service, data=data, author=request.user, comment=form.cleaned_data.get("comment", "")
                    )
                except moderation.RevisionError as error:
                    messages.info(request, " ".join(error.messages))
                    return redirect(
                        "guichet_partner:edit", organization_slug=organization.slug, service_slug=service.slug
                    )
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
        form = ServiceEditForm(initial=ServiceEditForm.initial_from(state), service=service, base=state)
    context = {
        "organization": organization,
        "service": service,
        "form": form,
        "pending": pending,
        "preview": preview,
        "publishes_at_once": moderation.publishes_at_once(service, request.user),
    }
    return render(request, "guichet/service_edit.html", context, status=status)
