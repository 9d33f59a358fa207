from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "helice.moderation"
    verbose_name = _("Moderation and history")

    def ready(self):
        from helice.directory import services as directory_services
        from helice.directory.models import PARTNER_EDITABLE_FIELDS, Organization

        from . import personal_data, registry, signals

        # The directory's organisations: what a partner may change in its profile.
        registry.register(
            Organization,
            fields=PARTNER_EDITABLE_FIELDS,
            natural_keys={"commune": "insee_code", "sectors": "slug"},
            organization=lambda organization: organization,
            trusted=lambda organization: organization.is_trusted,
            after_apply=lambda organization: directory_services.organization_reindex(organization=organization),
        )
        signals.connect()
        personal_data.register()
