from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    """Economic spaces (incubators, nurseries, business hotels, third places, platforms), their availability, the company path and settlement requests."""

    name = "helice.spaces"
    label = "spaces"
    verbose_name = _("Economic spaces")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from helice.core import sections
        from helice.core.roles import ADMINISTRATOR, MODERATOR, OBSERVATORY_ANALYST, ROLE_PERMISSIONS
        from helice.core.services import register_territory_loader
        from helice.directory.models import PublicationStatus
        from helice.moderation import registry
        from helice.referrals import kinds as referrals_kinds
        from helice.referrals.models import RequestKind

        from . import rules, selectors, services, settlement  # noqa: F401 - rules registers the permissions
        from .models import PARTNER_EDITABLE_FIELDS, Space
        from .revisions import PHOTOS, SpaceAdapter

        ROLE_PERMISSIONS[ADMINISTRATOR] = sorted({*ROLE_PERMISSIONS[ADMINISTRATOR], "spaces.*"})
        ROLE_PERMISSIONS[MODERATOR] = sorted(
            {*ROLE_PERMISSIONS[MODERATOR], "spaces.view_space", "spaces.change_space", "spaces.view_spacephoto"}
        )
        ROLE_PERMISSIONS[OBSERVATORY_ANALYST] = sorted({*ROLE_PERMISSIONS[OBSERVATORY_ANALYST], "spaces.view_space"})

        # Partner content: the operators' members propose and edit their spaces through
        # the moderation mechanism (helice.moderation), like a guichet service.
        registry.register(
            Space,
            adapter_class=SpaceAdapter,  # the fields plus the photos
            fields=[*PARTNER_EDITABLE_FIELDS, PHOTOS],
            natural_keys={"sectors": "slug", "commune": "insee_code"},
            organization=lambda space: space.operators.order_by("id").first(),
            trusted=lambda space: any(operator.is_trusted for operator in space.operators.all()),
            after_apply=lambda space: services.space_after_change(space=space),
            approval_note=lambda space: (
                _("A new space proposed by a partner: publishing this change makes it public.")
                if space.publish_on_approval and space.status == PublicationStatus.DRAFT
                else ""
            ),
        )

        def organization_spaces(organization):
            found = selectors.spaces_of(organization)
            if not found:
                return None
            return sections.Section(
                title=_("Spaces run"), template="spaces/_organization_spaces.html", items=found, order=20
            )

        sections.register("directory.Organization", organization_spaces)

        def partner_spaces(organization, user=None):
            """The organisation's spaces in its partner-space page, each with the
            availability companies see and the link to confirm it."""
            found = selectors.with_moderation_state(selectors.partner_spaces(organization))
            if not found:
                return None
            return sections.Section(
                title=_("Your spaces"), template="spaces/_partner_spaces.html", items=found, order=30
            )

        sections.register("partner-space", partner_spaces)

        def search_spaces(q):
            """The global search's spaces section (core.views.global_search)."""
            found = selectors.space_search(selectors.SpaceFilters(q=q))
            return sections.Section(
                title=_("Economic spaces"),
                template="spaces/_search_spaces.html",
                items={"spaces": list(found[:10]), "count": found.count(), "q": q},
                order=20,
            )

        sections.register("search", search_spaces)
        register_territory_loader("spaces", services.spaces_load)

        # Settlement requests go through the request engine (helice.referrals); this
        # part says how their details read on the handlers' and requester's pages.
        referrals_kinds.register(RequestKind.SETTLEMENT, settlement.describe)
