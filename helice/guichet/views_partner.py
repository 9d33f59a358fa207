"""The providers' members propose new services and edit their services from the
partner space, with a preview, through the moderation mechanism (like their
organisation's profile). Anyone who may not propose or edit, or a service that the
organisation in the address does not provide, gets a 404: nothing leaks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helice.directory.models import Organization, PublicationStatus
from helice.moderation import selectors as moderation_selectors
from helice.moderation import services as moderation
from helice.moderation.registry import adapter_for

from . import services
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


def _preview(service, data) -> dict:
    copy, related = adapter_for(Service).preview(service, data)
    return {"service": copy, **related}


def _add_errors(form, error: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names, or on the form."""
    errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for name, texts in errors.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


@login_required
@require_http_methods(["GET", "POST"])
def service_propose(request, organization_slug):
    organization = get_object_or_404(Organization, slug=organization_slug)
    if not request.user.has_perm("guichet.add_service", organization):
        raise Http404(_("No organisation you act for has this address."))
    preview, status = None, 200
    if request.method == "POST":
        form = ServiceEditForm(request.POST)
        if form.is_valid():
            data = form.proposed_data()
            if request.POST.get("action") == "preview":
                preview = _preview(Service(), data)
            else:
                try:
                    service, _revision = services.service_propose(
                        organization=organization,
                        by=request.user,
                        data=data,
                        comment=form.cleaned_data.get("comment", ""),
                    )
                except ValidationError as error:
                    _add_errors(form, error)
                else:
                    if service.status == PublicationStatus.PUBLISHED:
                        messages.success(request, _("Your service is published."))
                    else:
                        messages.success(
                            request,
                            _(
                                "Your service is sent to the metropolis's team; it will be published once "
                                "reviewed. Until then it is a draft that only your organisation's members see."
                            ),
                        )
                    return redirect("accounts:organization", slug=organization.slug)
        status = 400 if form.errors else 200
    else:
        form = ServiceEditForm()
    context = {
        "organization": organization,
        "form": form,
        "preview": preview,
        "publishes_at_once": request.user.has_perm("moderation.review") or organization.is_trusted,
    }
    return render(request, "guichet/service_propose.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request, organization_slug, service_slug):
    organization, service = _editable(request, organization_slug, service_slug)
    pending = moderation_selectors.pending_revision_for(service)
    refusal = None if pending else moderation_selectors.latest_refusal(service)
    # The waiting proposal, else the service; a refused new service starts from its proposal.
    state = moderation_selectors.editing_state(service, pending=pending)
    preview, status = None, 200
    if request.method == "POST":
        form = ServiceEditForm(request.POST, service=service, base=state)
        if form.is_valid():
            data = form.proposed_data()
            if request.POST.get("action") == "preview":
                preview = _preview(service, data)
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
                service.refresh_from_db(fields=["status"])
                if revision.status == "published" and service.status != PublicationStatus.PUBLISHED:
                    messages.success(
                        request,
                        _("Your changes are saved. The service is not public: the metropolis's team publishes it."),
                    )
                elif revision.status == "published":
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
        "refusal": refusal,
        "preview": preview,
        "publishes_at_once": moderation.publishes_at_once(service, request.user),
    }
    return render(request, "guichet/service_edit.html", context, status=status)
