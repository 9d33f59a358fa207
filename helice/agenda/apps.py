from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    """The shared agenda of the metropolis and its partners: events, here and abroad, and iCalendar feeds."""

    name = "helice.agenda"
    label = "agenda"
    verbose_name = _("Agenda")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from helice.core import sections
        from helice.core.services import register_territory_loader
        from helice.directory.models import PublicationStatus
        from helice.moderation import registry

        from . import selectors, services, versioning
        from .models import PARTNER_EDITABLE_FIELDS, Event

        services.connect_signals()
        register_territory_loader("agenda", services.events_load)

        def organization_events(organization):
            """The organisation's upcoming events (as organiser or partner
            present) on its directory page."""
            rows, count = selectors.events_of(organization)
            if not rows:
                return None
            return sections.Section(
                title=_("Upcoming events"),
                template="agenda/_organization_events.html",
                items={"events": rows, "count": count, "organization": organization},
                order=30,
            )

        sections.register("directory.Organization", organization_events)

        def search_events(q):
            """The global search's events section (core.views.global_search)."""
            found = selectors.event_search(selectors.EventFilters(q=q))
            return sections.Section(
                title=_("Upcoming events"),
                template="agenda/_search_events.html",
                items={"events": list(selectors.with_list_relations(found[:5])), "count": found.count(), "q": q},
                order=20,
            )

        sections.register("search", search_events)

        def space_events(space):
            """The upcoming events held in the space, on its page (one query)."""
            rows = selectors.events_at(space)
            if not rows:
                return None
            return sections.Section(
                title=_("Upcoming events here"),
                template="agenda/_space_events.html",
                items={
                    "events": rows[: selectors.SPACE_EVENTS_SHOWN],
                    "space": space,
                    "more": len(rows) > selectors.SPACE_EVENTS_SHOWN,
                },
                order=30,
            )

        sections.register("spaces.Space", space_events)
        versioning.connect_signals()

        # Partner content: the organisers' members propose and edit their events
        # through the moderation mechanism (helice.moderation), like the guichet's
        # services; a partner's new event is published with the first change
        # applied to it (services.event_after_change).
        # Its dates (time slots, rows of their own) are part of each revision
        # (revisions.EventAdapter); the partner space is partner.register().
        from . import partner
        from .revisions import TIME_SLOTS, EventAdapter

        partner.register()
        registry.register(
            Event,
            adapter_class=EventAdapter,
            fields=[*PARTNER_EDITABLE_FIELDS, TIME_SLOTS],
            natural_keys={"sectors": "slug", "commune": "insee_code", "space": "slug"},
            organization=lambda event: event.organisers.order_by("id").first(),
            trusted=lambda event: any(o.is_trusted for o in event.organisers.all()),
            after_apply=lambda event: services.event_after_change(event=event),
            approval_note=lambda event: (
                _("A new event proposed by a partner: publishing this change makes it public.")
                if event.publish_on_approval and event.status == PublicationStatus.DRAFT
                else ""
            ),
        )
