"""The agenda in the partner space: an organisation's members list, propose,
edit and cancel its events, and register its calendar feeds. Every change goes
through the moderation mechanism (services_partner). Anyone who may not act for
the organisation in the address, or an event it does not organise, gets a 404:
nothing leaks. Bad input: 400, nothing saved."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helice.core.pagination import PageError, get_page
from helice.core.uploads import store_image
from helice.directory.models import Organization, PublicationStatus
from helice.moderation import selectors as moderation_selectors
from helice.moderation import services as moderation
from helice.moderation.models import RevisionStatus
from helice.moderation.registry import adapter_for

from . import partner, services_partner
from .forms_partner import EventPartnerForm, FeedForm, TimeSlotFormSet, slot_initial
from .models import CalendarFeed, Event, EventStatus
from .revisions import TIME_SLOTS

PER_PAGE = 25


def _organization(request, organization_slug) -> Organization:
    organization = get_object_or_404(Organization, slug=organization_slug)
    if not request.user.has_perm("agenda.add_event", organization):
        raise Http404(_("No organisation you act for has this address."))
    return organization


def _editable(request, organization_slug, event_slug) -> tuple[Organization, Event]:
    organization = get_object_or_404(Organization, slug=organization_slug)
    event = (
        Event.objects.filter(slug=event_slug, organisers=organization)
        .prefetch_related("organisers", "sectors", "time_slots")
        .first()
    )
    if event is None or not request.user.has_perm("agenda.edit_event", event):
        raise Http404(_("No event you can edit has this address."))
    return organization, event


def _add_errors(form, formset, error: ValidationError) -> None:
    errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for name, texts in errors.items():
        for text in texts:
            if name == TIME_SLOTS:
                formset._non_form_errors = formset.error_class([*formset.non_form_errors(), text])
            else:
                form.add_error(name if name in form.fields else None, text)


def _preview(event, data) -> dict:
    copy, related = adapter_for(Event).preview(event, data)
    return {"event": copy, **related}


@login_required
@require_GET
def event_list(request, organization_slug):
    organization = _organization(request, organization_slug)
    state = request.GET.get("etat", "")
    if state and state not in partner.STATES:
        state = ""
    events = partner.organization_events(organization)
    rows = partner.rows_for(events)
    if state:
        rows = [row for row in rows if row.state == state]
    status = 200
    try:
        page = get_page(rows, request.GET.get("page"), PER_PAGE)
    except PageError as exc:
        page, status = None, exc.status
        messages.error(request, exc.message)
    context = {
        "organization": organization,
        "page": page,
        "rows": page.object_list if page else [],
        "state": state,
        "states": partner.STATES,
    }
    return render(request, "agenda/partner/event_list.html", context, status=status)


def _save_event(request, form, formset, *, organization, event=None):
    """Validate and submit; returns (response or None, preview)."""
    upload = form.cleaned_data.get("image_upload")
    if request.POST.get("action") == "preview":
        data = form.proposed_data(slots=formset.states())
        return None, _preview(event or Event(), data)
    data = form.proposed_data(
        slots=formset.states(), stored_image=store_image(upload, Event._meta.get_field("image")) if upload else None
    )
    comment = form.cleaned_data.get("comment", "")
    try:
        if event is None:
            event, revision = services_partner.event_propose(
                organization=organization, by=request.user, data=data, comment=comment
            )
        else:
            revision = services_partner.event_submit(event=event, by=request.user, data=data, comment=comment)
    except moderation.RevisionError as error:
        if event is None:
            form.add_error(None, " ".join(error.messages))
            return None, None
        messages.info(request, " ".join(error.messages))
        return redirect("agenda_partner:edit", organization_slug=organization.slug, event_slug=event.slug), None
    except ValidationError as error:
        _add_errors(form, formset, error)
        return None, None
    event.refresh_from_db(fields=["status"])
    if revision.status == RevisionStatus.PUBLISHED and event.status == PublicationStatus.PUBLISHED:
        messages.success(request, _("Your event is published."))
    elif revision.status == RevisionStatus.PUBLISHED:
        messages.success(
            request, _("Your changes are saved. The event is not public: the metropolis's team publishes it.")
        )
    elif revision.status == RevisionStatus.PENDING:
        messages.success(
            request,
            _(
                "Your event is sent to the metropolis's team; it will be published once reviewed. "
                "Until then only your organisation's members see it here."
            ),
        )
    else:
        messages.info(request, _("Your proposal is withdrawn: the event stays as published."))
    return redirect("agenda_partner:list", organization_slug=organization.slug), None


@login_required
@require_http_methods(["GET", "POST"])
def event_propose(request, organization_slug):
    organization = _organization(request, organization_slug)
    preview, status = None, 200
    if request.method == "POST":
        form = EventPartnerForm(request.POST, request.FILES)
        formset = TimeSlotFormSet(request.POST, prefix="slots")
        if form.is_valid() and formset.is_valid():
            response, preview = _save_event(request, form, formset, organization=organization)
            if response is not None:
                return response
        if form.errors or formset.total_error_count():
            status = 400
    else:
        form = EventPartnerForm()
        formset = TimeSlotFormSet(prefix="slots")
    context = {
        "organization": organization,
        "form": form,
        "formset": formset,
        "preview": preview,
        "publishes_at_once": request.user.has_perm("moderation.review") or organization.is_trusted,
    }
    return render(request, "agenda/partner/event_propose.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, organization_slug, event_slug):
    organization, event = _editable(request, organization_slug, event_slug)
    pending = moderation_selectors.pending_revision_for(event)
    refusal = None if pending else moderation_selectors.latest_refusal(event)
    state = moderation_selectors.editing_state(event, pending=pending)
    preview, status = None, 200
    if request.method == "POST":
        form = EventPartnerForm(request.POST, request.FILES, event=event, base=state)
        formset = TimeSlotFormSet(request.POST, prefix="slots")
        if form.is_valid() and formset.is_valid():
            response, preview = _save_event(request, form, formset, organization=organization, event=event)
            if response is not None:
                return response
        if form.errors or formset.total_error_count():
            status = 400
    else:
        form = EventPartnerForm(initial=EventPartnerForm.initial_from(state), event=event, base=state)
        formset = TimeSlotFormSet(initial=slot_initial(state.get(TIME_SLOTS, [])), prefix="slots")
    context = {
        "organization": organization,
        "event": event,
        "form": form,
        "formset": formset,
        "pending": pending,
        "refusal": refusal,
        "preview": preview,
        "image": state.get("image") or "",
        "publishes_at_once": moderation.publishes_at_once(event, request.user),
        "is_cancelled": state.get("event_status") == EventStatus.CANCELLED,
    }
    return render(request, "agenda/partner/event_edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def event_cancel(request, organization_slug, event_slug):
    organization, event = _editable(request, organization_slug, event_slug)
    state = moderation_selectors.editing_state(event)
    status = 200
    if request.method == "POST":
        note = request.POST.get("note", "")
        if len(note) > 300:
            messages.error(request, _("The reason is limited to 300 characters."))
            status = 400
        else:
            try:
                revision = services_partner.event_cancel(event=event, by=request.user, note=note)
            except moderation.RevisionError as error:
                messages.info(request, " ".join(error.messages))
            else:
                if revision.status == RevisionStatus.PUBLISHED:
                    messages.success(request, _("The event is cancelled. It stays in the agenda, marked cancelled."))
                else:
                    messages.success(request, _("The cancellation is sent to the metropolis's team."))
            if status == 200:
                return redirect("agenda_partner:list", organization_slug=organization.slug)
    context = {
        "organization": organization,
        "event": event,
        "already_cancelled": state.get("event_status") == EventStatus.CANCELLED,
        "publishes_at_once": moderation.publishes_at_once(event, request.user),
    }
    return render(request, "agenda/partner/event_cancel.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def feeds(request, organization_slug):
    organization = _organization(request, organization_slug)
    if not request.user.has_perm("agenda.manage_feeds", organization):
        raise Http404(_("No organisation you act for has this address."))
    status = 200
    if request.method == "POST":
        form = FeedForm(request.POST)
        if form.is_valid():
            try:
                services_partner.feed_register(
                    organization=organization,
                    by=request.user,
                    url=form.cleaned_data["url"],
                    default_kind=form.cleaned_data["default_kind"],
                )
            except ValidationError as error:
                for name, texts in error.message_dict.items():
                    for text in texts:
                        form.add_error(name if name in form.fields else None, text)
            else:
                messages.success(
                    request, _("Your feed is registered: it is imported at the next run, within the hour.")
                )
                return redirect("agenda_partner:feeds", organization_slug=organization.slug)
        status = 400
    else:
        form = FeedForm()
    context = {
        "organization": organization,
        "form": form,
        "feeds": list(CalendarFeed.objects.filter(organization=organization).order_by("id")),
        "max_feeds": services_partner.MAX_FEEDS_PER_ORGANIZATION,
    }
    return render(request, "agenda/partner/feeds.html", context, status=status)


@login_required
@require_POST
def feed_action(request, organization_slug, pk):
    organization = get_object_or_404(Organization, slug=organization_slug)
    feed = CalendarFeed.objects.filter(pk=pk, organization=organization).first()
    if feed is None or not request.user.has_perm("agenda.edit_feed", feed):
        raise Http404(_("No feed you can manage has this address."))
    action = request.POST.get("action")
    if action == "pause":
        services_partner.feed_set_active(feed=feed, by=request.user, active=False)
        messages.success(request, _("The feed is paused: it is no longer imported."))
    elif action == "resume":
        services_partner.feed_set_active(feed=feed, by=request.user, active=True)
        messages.success(request, _("The feed is active again: it is imported at the next run."))
    elif action == "delete":
        services_partner.feed_delete(feed=feed, by=request.user)
        messages.success(request, _("The feed is deleted. The events it brought stay in the agenda."))
    else:
        messages.error(request, _("Unknown action."))
        return render(
            request,
            "agenda/partner/feeds.html",
            {
                "organization": organization,
                "form": FeedForm(),
                "feeds": list(CalendarFeed.objects.filter(organization=organization).order_by("id")),
                "max_feeds": services_partner.MAX_FEEDS_PER_ORGANIZATION,
            },
            status=400,
        )
    return redirect("agenda_partner:feeds", organization_slug=organization.slug)
