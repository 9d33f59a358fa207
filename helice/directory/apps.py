from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "helice.directory"
    label = "directory"
    verbose_name = _("Directory of actors")

    def ready(self):
        from . import signals  # noqa: F401 - connects the receivers
