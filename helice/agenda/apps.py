from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    """The shared agenda of the metropolis and its partners: events, here and abroad, and iCalendar feeds."""

    name = "helice.agenda"
    label = "agenda"
    verbose_name = _("Agenda")
    default_auto_field = "django.db.models.BigAutoField"
