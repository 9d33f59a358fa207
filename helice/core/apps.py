from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "helice.core"
    label = "core"
    verbose_name = _("Territory and shared data")
