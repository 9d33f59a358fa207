"""Users, their public profile, and what ties them to organisations:
memberships with a role, join requests and invitations."""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helice.directory.models import Organization


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


class MembershipRole(models.TextChoices):
    ADMIN = "admin", _("Organisation administrator")
    EDITOR = "editor", _("Editor")


class Membership(models.Model):
    """A person acts for an organisation: edits its records (editor) and also
    manages its members (administrator). A person may belong to several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.EDITOR)
    created_at = models.DateTimeField(_("member since"), default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )

    class Meta:
        ordering = ["organization__name_key", "user_id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="unique_membership"),
        ]

    def __str__(self):
        return f"{self.user} · {self.organization} ({self.get_role_display()})"


class RequestStatus(models.TextChoices):
    """States of a join request or an invitation (transitions in services.memberships)."""

    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class JoinRequest(models.Model):
    """Someone asks to act for an organisation; its administrators or staff decide."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("organisation")
    )
    message = models.TextField(_("message"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("sent on"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reason = models.TextField(_("reason given"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        constraints = [
            # At most one pending request per person and organisation.
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=models.Q(status="pending"),
                name="unique_pending_join_request",
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.organization} ({self.get_status_display()})"


def hash_token(token: str) -> str:
    """Invitation tokens are stored hashed: the database alone cannot accept one."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An organisation's administrator (or staff) invites someone by email."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("organisation")
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.EDITOR)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("sent on"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires on"))
    last_sent_at = models.DateTimeField(
        _("link last e-mailed on"),
        null=True,
        blank=True,
        help_text=_("Empty when the e-mail with the current link could not be sent: resend it from the members page."),
    )
    decided_at = models.DateTimeField(_("answered on"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accepted_invitations",
        verbose_name=_("accepted by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # At most one pending invitation per organisation and address, whatever its case.
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=models.Q(status="pending"),
                name="unique_pending_invitation",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
