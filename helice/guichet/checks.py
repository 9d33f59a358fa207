"""System checks of the guichet's settings (``manage.py check``)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def retired_service_kinds_exist(app_configs=None, **kwargs):
    """Each code of ``GUICHET_RETIRED_SERVICE_KINDS`` names a kind of service."""
    from .models import ServiceKind

    unknown = [code for code in settings.GUICHET_RETIRED_SERVICE_KINDS if code not in ServiceKind.values]
    if not unknown:
        return []
    return [
        checks.Warning(
            f"GUICHET_RETIRED_SERVICE_KINDS names unknown kinds of service: {', '.join(unknown)}.",
            hint=f"Use codes among: {', '.join(ServiceKind.values)}.",
            id="guichet.W001",
        )
    ]
