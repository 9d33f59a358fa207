"""Users and their public profile.

Organisation memberships, join requests and invitations live in
``memberships.py`` (re-exported here so Django finds the models)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class ParticipantCategory(models.TextChoices):
    """Who takes part, for the statistics of consultations and of the guichet."""

    CITIZEN = "citizen", _("Citizen")
    STUDENT = "student", _("Student")
    RESEARCHER = "researcher", _("Researcher")
    COMPANY = "company", _("Company")
    INSTITUTION = "institution", _("Institution")


class User(AbstractUser):
    """The project's user model, custom from day one so later parts can extend it."""

    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    display_name = models.CharField(
        _("public display name"),
        max_length=150,
        blank=True,
        help_text=_("Shown beside public contributions instead of the real name."),
    )
    participant_category = models.CharField(
        _("participant category"),
        max_length=20,
        choices=ParticipantCategory.choices,
        blank=True,
        help_text=_("Used only for anonymous statistics of participation."),
    )
    deleted_at = models.DateTimeField(
        _("deleted on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the person deleted their account: personal data erased, contributions kept anonymous."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.get_username()

    @property
    def public_name(self) -> str:
        """The name shown beside this person's public contributions."""
        if self.deleted_at:
            return str(_("Deleted account"))
        return self.display_name or str(_("Anonymous participant"))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
