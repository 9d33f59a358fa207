"""Requests a person sends to the providers of the ecosystem, and how each provider
handles them: the request engine shared by the guichet (orientation requests) and
the spaces (settlement requests).

A :class:`Request` is what one person sent, once. It is routed to one or more
organisations; each gets its own :class:`Case`, handled independently through an
explicit state machine (``services.TRANSITIONS``) and tracked by dated
:class:`CaseEvent` rows that the requester sees on a private page."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from helice.accounts.models import hash_token
from helice.core.models import Commune, Sector
from helice.directory import validators
from helice.directory.models import HeadcountBand, Organization


def new_token() -> str:
    return secrets.token_urlsafe(32)


class RequestKind(models.TextChoices):
    ORIENTATION = "orientation", _("orientation request")
    SETTLEMENT = "settlement", _("settlement request")


class RequestQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(submitted_at__isnull=False)


class Request(models.Model):
    """One request as its author sent it. Personal fields are erased by
    ``anonymise_requests`` once the retention period has passed."""

    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices, db_index=True)
    submission_key = models.UUIDField(
        _("submission key"),
        unique=True,
        default=uuid.uuid4,
        help_text=_("Sent with the form: a double click is one request."),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sent_requests",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    company_name = models.CharField(_("company or project"), max_length=200, blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validators.validate_siren])
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validators.validate_siret])
    headcount_band = models.CharField(_("headcount"), max_length=10, choices=HeadcountBand.choices, blank=True)
    founding_year = models.PositiveSmallIntegerField(
        _("year the company was created"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    sector = models.ForeignKey(
        Sector, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("sector")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    stage = models.CharField(_("stage"), max_length=40, blank=True)
    needs = models.JSONField(_("needs"), default=list, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    message = models.TextField(_("message"))
    language = models.CharField(_("language"), max_length=10, default="fr")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(
        _("submitted"), null=True, blank=True, db_index=True, help_text=_("When the e-mail address was confirmed.")
    )
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at"]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        prefix = "O" if self.kind == RequestKind.ORIENTATION else "S"
        return f"{prefix}-{self.pk or 0:06d}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def detail_rows(self) -> list[tuple[str, str]]:
        from .kinds import describe

        return describe(self)

    def set_token(self) -> str:
        token = new_token()
        self.token_hash = hash_token(token)
        return token


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    TAKEN = "taken", _("Taken in charge")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    REDIRECTED = "redirected", _("Redirected")


OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.TAKEN)


class Outcome(models.TextChoices):
    SUPPORTED = "supported", _("I am being supported or financed")
    IN_PROGRESS = "in_progress", _("It is still in progress")
    ELSEWHERE = "elsewhere", _("I found help elsewhere")
    NOTHING = "nothing", _("Nothing came of it")
    ABANDONED = "abandoned", _("I gave up the project")


class CaseQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(request__submitted_at__isnull=False)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Case(models.Model):
    """A request as one organisation handles it."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="cases", verbose_name=_("request"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="cases", verbose_name=_("organisation")
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label = models.CharField(
        _("about"), max_length=220, blank=True, help_text=_("The service or space chosen, as named when sent.")
    )
    routing = models.BooleanField(
        _("to be routed"), default=False, help_text=_("Sent to the metropolis's team to find the right provider.")
    )
    redirected_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="redirections",
        verbose_name=_("redirected from"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.NEW, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("handled by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True, db_index=True)
    taken_at = models.DateTimeField(_("taken in charge"), null=True, blank=True)
    first_answer_at = models.DateTimeField(_("first answer"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminder_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    satisfaction_comment = models.TextField(_("comment on the answer"), blank=True)
    satisfaction_at = models.DateTimeField(_("satisfaction given"), null=True, blank=True)
    followup_sent_at = models.DateTimeField(_("follow-up sent"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_comment = models.TextField(_("comment on the outcome"), blank=True)
    outcome_at = models.DateTimeField(_("outcome given"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status"], name="referrals_case_org_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True) | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="referrals_case_satisfaction_range",
            )
        ]

    def __str__(self):
        return f"{self.request.reference} → {self.organization}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    STATUS = "status", _("Status changed")
    ANSWER = "answer", _("Answer")
    NOTE = "note", _("Internal note")
    REQUESTER = "requester", _("Message from the requester")
    REMINDER = "reminder", _("Reminder sent")


class CaseEvent(models.Model):
    """One dated step of a case: a status change, an answer, a message, a reminder.
    ``public`` events are shown to the requester; internal notes are not."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    from_status = models.CharField(_("from"), max_length=12, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=CaseStatus.choices, blank=True)
    message = models.TextField(_("message"), blank=True)
    public = models.BooleanField(_("shown to the requester"), default=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
