from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "helice.core"
    label = "core"
    verbose_name = _("Territory and shared data")

    def ready(self):
        from . import roles

        # After the last app's migrations, so every permission exists.
        post_migrate.connect(roles.roles_sync, dispatch_uid="helice_roles_sync")
