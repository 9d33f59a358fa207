from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    """Economic spaces (incubators, nurseries, business hotels, third places, platforms), their availability, the company path and settlement requests."""

    name = "helice.spaces"
    label = "spaces"
    verbose_name = _("Economic spaces")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from helice.core.roles import ADMINISTRATOR, MODERATOR, OBSERVATORY_ANALYST, ROLE_PERMISSIONS
        from helice.directory.models import PublicationStatus
        from helice.moderation import registry

        from . import rules, services  # noqa: F401 - rules registers the permissions
        from .models import PARTNER_EDITABLE_FIELDS, Space

        ROLE_PERMISSIONS[ADMINISTRATOR] = sorted({*ROLE_PERMISSIONS[ADMINISTRATOR], "spaces.*"})
        ROLE_PERMISSIONS[MODERATOR] = sorted(
            {*ROLE_PERMISSIONS[MODERATOR], "spaces.view_space", "spaces.change_space", "spaces.view_spacephoto"}
        )
        ROLE_PERMISSIONS[OBSERVATORY_ANALYST] = sorted({*ROLE_PERMISSIONS[OBSERVATORY_ANALYST], "spaces.view_space"})

        # Partner content: the operators' members propose and edit their spaces through
        # the moderation mechanism (helice.moderation), like a guichet service.
        registry.register(
            Space,
            fields=PARTNER_EDITABLE_FIELDS,
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
