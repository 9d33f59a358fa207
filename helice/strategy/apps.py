from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    """The integrated action plan as a live balanced scorecard."""

    name = "helice.strategy"
    label = "strategy"
    verbose_name = _("Strategy")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from helice.core.roles import ROLE_PERMISSIONS, STRATEGY_MANAGER
        from helice.core.services import register_territory_loader

        from . import rules, services, signals  # noqa: F401  (permissions)

        ROLE_PERMISSIONS[STRATEGY_MANAGER] = sorted({*ROLE_PERMISSIONS[STRATEGY_MANAGER], "strategy.*"})
        register_territory_loader("strategy plan", services.plan_load)
        signals.connect()
