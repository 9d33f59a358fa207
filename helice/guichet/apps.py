from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _link_alerts(sender=None, email_address=None, **kwargs):
    """allauth's ``email_confirmed``: the alerts of a newly verified address become
    that account's data (export, erasure)."""
    from . import services

    services.search_alerts_link_address(email=email_address.email, user=email_address.user)


class GuichetConfig(AppConfig):
    name = "helice.guichet"
    label = "guichet"
    verbose_name = _("Guichet: support and financing")

    def ready(self):
        from allauth.account.signals import email_confirmed

        from helice.core import personal_data, sections
        from helice.core.services import register_territory_loader
        from helice.directory.models import PublicationStatus
        from helice.moderation import registry
        from helice.referrals import kinds as referrals_kinds
        from helice.referrals.models import RequestKind

        from . import checks, selectors, services  # noqa: F401 - checks registers the system checks
        from .models import PARTNER_EDITABLE_FIELDS, Service

        def organization_services(organization):
            found = selectors.services_of(organization)
            if not found:
                return None
            return sections.Section(
                title=_("Support and financing offered"),
                template="guichet/_organization_services.html",
                items=found,
                order=10,
            )

        sections.register("directory.Organization", organization_services)

        def partner_services(organization, user=None):
            """The organisation's services in its partner-space page, for members to
            edit, and the link to propose a new one (shown even with no service yet)."""
            rows = selectors.partner_services(organization, user)
            can_add = user is not None and user.has_perm("guichet.add_service", organization)
            if not rows and not can_add:
                return None
            return sections.Section(
                title=_("Your services"),
                template="guichet/_partner_services.html",
                items={"rows": rows, "can_add": can_add},
                order=20,
            )

        sections.register("partner-space", partner_services)

        def search_services(q):
            """The global search's services section (core.views.global_search)."""
            found = selectors.service_search(selectors.ServiceFilters(q=q))
            return sections.Section(
                title=_("Support and financing"),
                template="guichet/_search_services.html",
                items={"services": list(found[:10]), "count": found.count(), "q": q},
                order=10,
            )

        sections.register("search", search_services)
        referrals_kinds.register(RequestKind.ORIENTATION, selectors.describe_orientation_request)
        # Alerts (saved searches): a person's data when one of their verified addresses receives them.
        personal_data.register(
            "guichet.alerts",
            services.search_alerts_export,
            services.search_alerts_erase,
            description=_("Alerts: the finder searches e-mailed each week to your confirmed addresses."),
        )
        email_confirmed.connect(_link_alerts, dispatch_uid="guichet.alerts.email_confirmed")
        register_territory_loader("needs and stages", lambda path: services.taxonomy_load())
        register_territory_loader("services", services.services_load)

        # Partner content: the providers' members propose and edit their services
        # through the moderation mechanism (helice.moderation), like their
        # organisation's profile; a partner's new service is published with the
        # first change applied to it (services.service_after_change).
        registry.register(
            Service,
            fields=PARTNER_EDITABLE_FIELDS,
            natural_keys={"needs": "code", "stages": "code", "sectors": "slug"},
            organization=lambda service: service.providers.order_by("id").first(),
            trusted=lambda service: any(p.is_trusted for p in service.providers.all()),
            after_apply=lambda service: services.service_after_change(service=service),
            approval_note=lambda service: (
                _("A new service proposed by a partner: publishing this change makes it public.")
                if service.publish_on_approval and service.status == PublicationStatus.DRAFT
                else ""
            ),
        )
