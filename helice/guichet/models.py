"""The guichet: support and financing services, and the reference data that
classifies them (needs, company stages).

Needs and stages are reference data with stable codes: they are retired
(``is_active``), never deleted or renamed, so saved searches and old links keep
working."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from helice.core import search
from helice.core.models import ActiveQuerySet, Sector, TranslatedNameMixin
from helice.core.sanitize import plain_text
from helice.directory.models import Organization, PublicationStatus


class Stage(TranslatedNameMixin, models.Model):
    """A stage of a company's life (idea, creation, seed, growth…)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("company stage")
        verbose_name_plural = _("company stages")

    def __str__(self):
        return self.name


class Need(TranslatedNameMixin, models.Model):
    """A need of an entrepreneur ("finance a project"), or one of its sub-needs."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": _("Needs have two levels: a sub-need's parent cannot have a parent.")})


class ServiceKind(models.TextChoices):
    # Financing
    GRANT = "grant", _("Grant")
    LOAN = "loan", _("Loan")
    HONOUR_LOAN = "honour_loan", _("Honour loan")
    EQUITY = "equity", _("Equity investment")
    GUARANTEE = "guarantee", _("Guarantee")
    CROWDFUNDING = "crowdfunding", _("Crowdfunding")
    PRIZE_CALL = "prize_call", _("Prize or call for projects")
    # Support
    INCUBATION = "incubation", _("Incubation")
    ACCELERATION = "acceleration", _("Acceleration")
    MENTORING = "mentoring", _("Mentoring")
    EXPERTISE = "expertise", _("Expertise")
    INTELLECTUAL_PROPERTY = "intellectual_property", _("Intellectual property")
    LEGAL = "legal", _("Legal advice")
    EXPORT = "export", _("Export support")
    RECRUITMENT = "recruitment", _("Recruitment")
    TRAINING = "training", _("Training")
    HOSTING = "hosting", _("Hosting")
    EXPERIMENTATION = "experimentation", _("Experimentation")
    PUBLIC_PROCUREMENT = "public_procurement", _("Public procurement")
    NETWORKING = "networking", _("Networking")
    INDUSTRIALISATION = "industrialisation", _("Industrialisation")


FINANCING_KINDS = frozenset(
    {
        ServiceKind.GRANT,
        ServiceKind.LOAN,
        ServiceKind.HONOUR_LOAN,
        ServiceKind.EQUITY,
        ServiceKind.GUARANTEE,
        ServiceKind.CROWDFUNDING,
        ServiceKind.PRIZE_CALL,
    }
)


class Calendar(models.TextChoices):
    PERMANENT = "permanent", _("All year round")
    CALL = "call", _("Call with a campaign")


class CallState(models.TextChoices):
    """Where a service stands today (derived from its calendar and dates)."""

    PERMANENT = "permanent", _("All year round")
    OPEN = "open", _("Open")
    UPCOMING = "upcoming", _("Opens soon")
    CLOSED = "closed", _("Closed")
    DATES_TBC = "dates_tbc", _("Dates to be confirmed")


# What the providers' members may change from the partner space (moderated, see
# helice.moderation); the rest (providers, kind, status, limits, sources) stays
# with the metropolis's team (admin).
PARTNER_EDITABLE_FIELDS = [
    "name",
    "name_en",
    "summary_fr",
    "summary_en",
    "description_fr",
    "description_en",
    "needs",
    "stages",
    "sectors",
    "eligibility_fr",
    "eligibility_en",
    "amount_note_fr",
    "amount_note_en",
    "cost_fr",
    "cost_en",
    "calendar",
    "opens_on",
    "closes_on",
    "how_to_apply_fr",
    "how_to_apply_en",
    "contact_email",
    "contact_phone",
    "website",
]


class ServiceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PublicationStatus.PUBLISHED)


class Service(models.Model):
    """A support or financing service offered by one or more organisations."""

    name = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    providers = models.ManyToManyField(Organization, related_name="services", verbose_name=_("providers"))
    kind = models.CharField(_("kind"), max_length=30, choices=ServiceKind.choices, db_index=True)
    needs = models.ManyToManyField(Need, blank=True, related_name="services", verbose_name=_("needs answered"))
    stages = models.ManyToManyField(Stage, blank=True, related_name="services", verbose_name=_("company stages"))
    sectors = models.ManyToManyField(
        Sector,
        blank=True,
        related_name="services",
        verbose_name=_("sectors"),
        help_text=_("Leave empty when the service is open to every sector."),
    )
    summary_fr = models.CharField(_("summary (French)"), max_length=400, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=400, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    eligibility_fr = models.TextField(_("eligibility (French)"), blank=True)
    eligibility_en = models.TextField(_("eligibility (English)"), blank=True)
    max_company_age_years = models.PositiveSmallIntegerField(_("maximum company age (years)"), null=True, blank=True)
    max_headcount = models.PositiveIntegerField(_("maximum headcount"), null=True, blank=True)
    amount_min = models.DecimalField(_("minimum amount (€)"), max_digits=12, decimal_places=0, null=True, blank=True)
    amount_max = models.DecimalField(_("maximum amount (€)"), max_digits=12, decimal_places=0, null=True, blank=True)
    amount_note_fr = models.TextField(_("amounts (French)"), blank=True)
    amount_note_en = models.TextField(_("amounts (English)"), blank=True)
    cost_fr = models.TextField(_("cost to the company (French)"), blank=True)
    cost_en = models.TextField(_("cost to the company (English)"), blank=True)
    calendar = models.CharField(_("calendar"), max_length=10, choices=Calendar.choices, default=Calendar.PERMANENT)
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    how_to_apply_fr = models.TextField(_("how to apply (French)"), blank=True)
    how_to_apply_en = models.TextField(_("how to apply (English)"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    status = models.CharField(
        _("publication status"),
        max_length=20,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        db_index=True,
    )
    status_note_fr = models.CharField(_("note on availability (French)"), max_length=300, blank=True)
    status_note_en = models.CharField(_("note on availability (English)"), max_length=300, blank=True)
    sources = models.TextField(_("sources"), blank=True, help_text=_("Where the facts of this record come from."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    search_document = models.TextField(editable=False, default="")
    name_key = models.CharField(editable=False, max_length=260, default="", db_index=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name_key", "id"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_min__isnull=True)
                | models.Q(amount_max__isnull=True)
                | models.Q(amount_min__lte=models.F("amount_max")),
                name="service_amounts_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(opens_on__isnull=True)
                | models.Q(closes_on__isnull=True)
                | models.Q(opens_on__lte=models.F("closes_on")),
                name="service_call_dates_ordered",
            ),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("guichet:service", kwargs={"slug": self.slug})

    def _translated(self, field: str) -> str:
        if (get_language() or "fr").startswith("en"):
            value = getattr(self, f"{field}_en", "")
            if value:
                return value
        return getattr(self, f"{field}_fr" if hasattr(self, f"{field}_fr") else field)

    @property
    def display_name(self) -> str:
        if (get_language() or "fr").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    @property
    def summary(self) -> str:
        return self._translated("summary")

    @property
    def description(self) -> str:
        return self._translated("description")

    @property
    def description_text(self) -> str:
        return plain_text(self.description)

    @property
    def eligibility(self) -> str:
        return self._translated("eligibility")

    @property
    def amount_note(self) -> str:
        return self._translated("amount_note")

    @property
    def cost(self) -> str:
        return self._translated("cost")

    @property
    def how_to_apply(self) -> str:
        return self._translated("how_to_apply")

    @property
    def status_note(self) -> str:
        return self._translated("status_note")

    @property
    def is_financing(self) -> bool:
        return self.kind in FINANCING_KINDS

    def call_state(self, today: datetime.date | None = None) -> str:
        """Permanent, open, upcoming, closed, or dates to be confirmed (a call
        whose dates no source gives)."""
        if self.calendar == Calendar.PERMANENT:
            return CallState.PERMANENT
        today = today or timezone.localdate()
        if self.closes_on and self.closes_on < today:
            return CallState.CLOSED
        if self.opens_on and self.opens_on > today:
            return CallState.UPCOMING
        if self.opens_on or self.closes_on:
            return CallState.OPEN
        return CallState.DATES_TBC

    @property
    def call_state_label(self) -> str:
        return CallState(self.call_state()).label

    def clean(self):
        super().clean()
        if self.calendar == Calendar.PERMANENT and (self.opens_on or self.closes_on):
            raise ValidationError({"calendar": _("A service open all year round has no opening or closing date.")})

    def build_search_document(self) -> str:
        parts = [
            self.name,
            self.name_en,
            self.summary_fr,
            self.summary_en,
            plain_text(self.description_fr),
            plain_text(self.description_en),
            self.eligibility_fr,
        ]
        if self.pk:
            for provider in self.providers.all():
                parts += [provider.name, provider.acronym]
            for need in self.needs.all():
                parts += [need.name_fr, need.name_en]
            for sector in self.sectors.all():
                parts += [sector.name_fr, sector.name_en]
        for language, _name in settings.LANGUAGES:  # the kind's label in every language
            with translation.override(language):
                parts.append(str(ServiceKind(self.kind).label) if self.kind in ServiceKind.values else "")
        return search.build_document(*parts)
