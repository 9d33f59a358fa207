from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "helice.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import personal_data

        personal_data.register()

        from . import sections

        sections.register()
