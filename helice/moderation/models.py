"""Revisions: every change to partner content, proposed, reviewed and kept.

One table serves the moderation queue and the history. A revision holds the
whole editable state of an object after the change (``data``) and the state it
was made against (``previous_data``), as plain JSON written by the object's
adapter (registry.py). A partner's change is either published at once (trusted
organisation, or a moderator's own edit) or waits in the queue; a change made
elsewhere (admin, spreadsheet import, dataset load) is recorded as it happens.

States (``TRANSITIONS``): pending → published | rejected | withdrawn | superseded.
Published, rejected, withdrawn and superseded are final."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from helice.directory.models import Organization


class RevisionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Replaced by a newer proposal")


TRANSITIONS: dict[str, set[str]] = {
    RevisionStatus.PENDING: {
        RevisionStatus.PUBLISHED,
        RevisionStatus.REJECTED,
        RevisionStatus.WITHDRAWN,
        RevisionStatus.SUPERSEDED,
    },
    RevisionStatus.PUBLISHED: set(),
    RevisionStatus.REJECTED: set(),
    RevisionStatus.WITHDRAWN: set(),
    RevisionStatus.SUPERSEDED: set(),
}


class RevisionKind(models.TextChoices):
    PARTNER = "partner", _("Change proposed in the partner space")
    STAFF = "staff", _("Change by the metropolis's team")
    REVERT = "revert", _("Restoration of an earlier version")
    DIRECT = "direct", _("Change made outside the partner space (admin, import, dataset)")


class RevisionQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)

    def pending(self):
        return self.filter(status=RevisionStatus.PENDING)

    def published(self):
        return self.filter(status=RevisionStatus.PUBLISHED)


class Revision(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, verbose_name=_("kind of content"))
    object_id = models.PositiveBigIntegerField(_("object id"))
    content_object = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("object"), max_length=255)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("organisation concerned"),
        help_text=_("The organisation whose content this is: its members follow the revision."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RevisionKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=RevisionStatus.choices, db_index=True)
    data = models.JSONField(_("state after the change"))
    previous_data = models.JSONField(_("state before the change"), default=dict)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("author"),
    )
    comment = models.TextField(_("note from the author"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("submitted on"), auto_now_add=True, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed on"), null=True, blank=True)
    reason = models.TextField(_("reason for the decision"), max_length=2000, blank=True)
    restored_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("restores the version of"),
    )

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        indexes = [models.Index(fields=["content_type", "object_id", "-id"], name="revision_object_idx")]
        constraints = [
            # One proposal at a time per object: a new one supersedes the old in the same transaction.
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=models.Q(status="pending"),
                name="one_pending_revision_per_object",
            ),
        ]

    def __str__(self):
        return f"{self.object_repr} · {self.get_status_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def changed_fields(self) -> list[str]:
        keys = list(self.data) + [k for k in self.previous_data if k not in self.data]
        return [k for k in keys if self.data.get(k) != self.previous_data.get(k)]

    @property
    def is_pending(self) -> bool:
        return self.status == RevisionStatus.PENDING
