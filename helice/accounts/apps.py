from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "helice.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import personal_data, personal_data_memberships

        # Memberships first: their eraser reads the email addresses that the account's section erases.
        personal_data_memberships.register()
        personal_data.register()

        from . import sections

        sections.register()
