from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    """The request engine: requests routed to providers and tracked (guichet, spaces)."""

    name = "helice.referrals"
    label = "referrals"
    verbose_name = _("Requests")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import personal_data, rules, sections  # noqa: F401  (registrations)

        personal_data.register()
        sections.register()
