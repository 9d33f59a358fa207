from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    """Online consultations on the policy: proposals, opinions, comments, ideas, moderation and results."""

    name = "helice.participation"
    label = "participation"
    verbose_name = _("Participation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from helice.core.roles import MODERATOR, ROLE_PERMISSIONS, STRATEGY_MANAGER
        from helice.core.services import register_territory_loader

        from . import computations, personal_data, personal_data_comments, rules, sections, services, signals  # noqa: F401

        personal_data.register()
        personal_data_comments.register()  # comments, flags, follows and notification settings
        computations.register()  # consultation_participants, for the strategy's indicators
        signals.connect()  # notifications follow the proposals' history (notifications.py)
        sections.register()  # "my space": follows and notifications; the moderation queue

        # Moderators look after ideas, comments, flags and blocks; strategy managers
        # run consultations and answer proposals (rules.py says who does what in the site).
        ROLE_PERMISSIONS[MODERATOR] = sorted(
            {
                *ROLE_PERMISSIONS[MODERATOR],
                "participation.view_consultation",
                "participation.view_proposal",
                "participation.change_proposal",
                "participation.view_comment",
                "participation.change_comment",
                "participation.view_commentflag",
                "participation.change_commentflag",
                "participation.view_participationblock",
                "participation.add_participationblock",
                "participation.change_participationblock",
                "participation.view_moderationdecision",
            }
        )
        ROLE_PERMISSIONS[STRATEGY_MANAGER] = sorted(
            {
                *ROLE_PERMISSIONS[STRATEGY_MANAGER],
                "participation.add_consultation",
                "participation.change_consultation",
                "participation.view_consultation",
                "participation.add_proposal",
                "participation.change_proposal",
                "participation.view_proposal",
                "participation.view_proposalchange",
            }
        )
        # After the strategy plan: official proposals attach to its objectives.
        register_territory_loader("participation consultations", services.consultations_load)
