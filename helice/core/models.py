"""Reference data shared by every part: sectors (filières), the region's priority
domains and communes."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TranslatedFieldsMixin:
    """``translated("summary")`` picks ``summary_en`` when the active language is
    English and it is filled, else the French ``summary_fr`` (or ``summary`` for a
    field kept in one language, such as a proper name)."""

    def translated(self, field: str) -> str:
        if (get_language() or "fr").startswith("en"):
            value = getattr(self, f"{field}_en", "")
            if value:
                return value
        return getattr(self, f"{field}_fr" if hasattr(self, f"{field}_fr") else field)


class TranslatedNameMixin(TranslatedFieldsMixin):
    """A translated ``name`` (``name_fr`` / ``name_en``) as a property."""

    @property
    def name(self):
        return self.translated("name")


class ActiveQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class PriorityDomain(TranslatedNameMixin, models.Model):
    """One of the region's smart-specialisation priority domains (SRI-SI)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    source = models.TextField(_("source of the facts"), blank=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("regional priority domain")
        verbose_name_plural = _("regional priority domains")

    def __str__(self):
        return self.name


class Sector(TranslatedNameMixin, models.Model):
    """A filière: the territory's way of grouping activities. Retired, never deleted."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    priority_domains = models.ManyToManyField(
        PriorityDomain, blank=True, related_name="sectors", verbose_name=_("regional priority domains")
    )
    naf_prefixes = models.JSONField(
        _("NAF code prefixes"),
        default=list,
        blank=True,
        help_text=_("Prefixes of NAF rev. 2 codes that belong to this sector, e.g. 26.1 or 62."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    source = models.TextField(_("source of the facts"), blank=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self):
        return self.name

    @property
    def description(self):
        return self.translated("description")

    def matches_naf(self, naf_code):
        return bool(naf_code) and any(naf_code.startswith(p) for p in self.naf_prefixes)


class Commune(models.Model):
    """A commune of the territory, keyed by its INSEE code."""

    insee_code = models.CharField(
        _("INSEE code"),
        max_length=5,
        unique=True,
        validators=[RegexValidator(r"^(\d{5}|2[AB]\d{3})$", _("An INSEE code has five characters."))],
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    postal_codes = models.JSONField(_("postal codes"), default=list, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    # Area in km2, computed from the commune's outline (the file's source says how).
    # No translated label here: the project catalogue is integrated by the lead.
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True, validators=[MinValueValidator(0.01)])
    is_active = models.BooleanField(_("active"), default=True)
    source = models.TextField(_("source of the facts"), blank=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self):
        return self.name


class OutgoingEmail(models.Model):
    """One e-mail waiting to leave, or sent: the persistent outbox.

    A notification is rendered and stored in the same transaction as the change
    it reports, then sent once that transaction commits. When the mail server is
    down the row stays ``pending`` with its next attempt scheduled; the
    ``send_queued_emails`` command (cron, every few minutes) retries it with a
    growing delay until it leaves or ``EMAIL_MAX_ATTEMPTS`` is reached (then
    ``failed``, visible in the admin, and can be requeued)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    template = models.CharField(_("template"), max_length=120)
    recipients = models.JSONField(_("recipients"), default=list)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="core_outbox_due")]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.recipients)}"
