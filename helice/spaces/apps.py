from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    """Economic spaces (incubators, nurseries, business hotels, third places, platforms), their availability, the company path and settlement requests."""

    name = "helice.spaces"
    label = "spaces"
    verbose_name = _("Economic spaces")
    default_auto_field = "django.db.models.BigAutoField"
