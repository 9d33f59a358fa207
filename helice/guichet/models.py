"""The guichet: support and financing services, and the reference data that
classifies them (needs, company stages).

Needs and stages are reference data with stable codes: they are retired
(``is_active``), never deleted or renamed, so saved searches and old links keep
working."""

import datetime
import hashlib
import json
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from helice.core import search, tokens
from helice.core.models import ActiveQuerySet, Sector, TranslatedFieldsMixin, TranslatedNameMixin
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


def retired_service_kinds() -> frozenset[str]:
    """Kinds no longer offered to partners nor in the list's facet
    (``GUICHET_RETIRED_SERVICE_KINDS``); services that have one keep it, and old
    links filtering on it keep working (docs/guichet.md)."""
    return frozenset(settings.GUICHET_RETIRED_SERVICE_KINDS)


def offered_kinds(current: str = "") -> list[tuple[str, str]]:
    """The kinds a partner may choose: every kind but the retired ones, except the
    service's own (``current``)."""
    retired = retired_service_kinds()
    return [(value, label) for value, label in ServiceKind.choices if value not in retired or value == current]


# What the providers' members may propose or change from the partner space
# (moderated, see helice.moderation); the rest (providers, status, limits, sources)
# stays with the metropolis's team (admin).
PARTNER_EDITABLE_FIELDS = [
    "name",
    "name_en",
    "kind",
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


class Service(TranslatedFieldsMixin, models.Model):
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
    # A draft proposed by a partner from its space (services.service_propose): the
    # first change a moderator approves (or that a trusted partner saves) publishes
    # it. Cleared once the service is published, by whatever path; an admin-made
    # draft never has it, so a partner's approved change leaves it a draft.
    publish_on_approval = models.BooleanField(
        _("publish on approval"),
        default=False,
        help_text=_(
            "A new service proposed by a partner: it becomes public when a moderator approves a change. "
            "Untick to keep it a draft."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Set once, by services.service_reindex, the first time the service is seen
    # published: the alerts' "new services" (a draft published later is new then).
    published_at = models.DateTimeField(_("first published"), null=True, blank=True, editable=False, db_index=True)
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

    @property
    def display_name(self) -> str:
        return self.translated("name")

    @property
    def summary(self) -> str:
        return self.translated("summary")

    @property
    def description(self) -> str:
        return self.translated("description")

    @property
    def description_text(self) -> str:
        return plain_text(self.description)

    @property
    def eligibility(self) -> str:
        return self.translated("eligibility")

    @property
    def amount_note(self) -> str:
        return self.translated("amount_note")

    @property
    def cost(self) -> str:
        return self.translated("cost")

    @property
    def how_to_apply(self) -> str:
        return self.translated("how_to_apply")

    @property
    def status_note(self) -> str:
        return self.translated("status_note")

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


# --- Alerts: saved finder searches ----------------------------------------------------

# The finder's criteria, in the order of its form and of the links it makes.
CRITERIA_FIELDS = ("q", "need", "stage", "sector", "commune", "size", "age")
TOKEN_LENGTH = 64  # hexadecimal characters


def normalise_criteria(data: dict) -> dict:
    """The finder's criteria as an alert keeps them: only the criteria given, text
    stripped, needs without duplicates and sorted, numbers as numbers. Two
    searches that ask the same thing give the same dictionary (and key)."""
    criteria: dict = {}
    q = " ".join(str(data.get("q") or "").split())
    if q:
        criteria["q"] = q
    needs = data.get("need") or []
    if isinstance(needs, str):
        needs = [needs]
    needs = sorted({str(code).strip() for code in needs if str(code).strip()})
    if needs:
        criteria["need"] = needs
    for name in ("stage", "sector", "commune"):
        value = str(data.get(name) or "").strip()
        if value:
            criteria[name] = value
    for name in ("size", "age"):
        value = data.get(name)
        if value not in (None, ""):
            criteria[name] = int(value)
    return criteria


def criteria_key(criteria: dict) -> str:
    return hashlib.sha256(json.dumps(criteria, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


def criteria_items(criteria: dict) -> list[tuple[str, str]]:
    """(name, value) pairs of the criteria, as the finder's form sends them."""
    items = []
    for name in CRITERIA_FIELDS:
        value = criteria.get(name)
        for one in value if isinstance(value, list) else [value]:
            if one not in (None, ""):
                items.append((name, str(one)))
    return items


class SavedSearchQuerySet(models.QuerySet):
    def active(self):
        """Not unsubscribed (confirmed or waiting for confirmation)."""
        return self.filter(unsubscribed_at__isnull=True)

    def confirmed(self):
        """Confirmed and not unsubscribed: the alerts that receive digests."""
        return self.active().filter(confirmed_at__isnull=False)

    def for_email(self, email: str):
        return self.filter(email__iexact=email or "")

    def for_token(self, token: str):
        return self.filter(token_hash=SavedSearch.hash_token(token))


class SavedSearch(models.Model):
    """A finder search saved by a person (an "alert"): each week, the services and
    calls new since the last digest that match it are sent to a confirmed address
    (no account needed). One secret link confirms it, manages it and unsubscribes.

    The link's token is never stored: it is derived from ``SECRET_KEY`` and a
    random ``token_nonce`` (so each weekly digest can carry it), and looked up by
    its hash (``token_hash``): the database alone cannot make or accept a link."""

    email = models.EmailField(_("e-mail address"))
    criteria = models.JSONField(_("criteria"), default=dict, help_text=_("The finder's criteria, normalised."))
    criteria_key = models.CharField(max_length=64, editable=False)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="fr")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,  # accounts are anonymised, never deleted; the eraser deletes alerts
        null=True,
        blank=True,
        related_name="saved_searches",
        verbose_name=_("account"),
        help_text=_("The account that has verified this address, when there is one."),
    )
    token_nonce = models.CharField(max_length=32, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("asked on"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed on"), null=True, blank=True)
    last_sent_at = models.DateTimeField(
        _("news sent up to"),
        null=True,
        blank=True,
        help_text=_("End of the period covered by the last digest sent."),
    )
    unsubscribed_at = models.DateTimeField(_("unsubscribed on"), null=True, blank=True)

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            # One active alert per address and search, whatever the address's case.
            models.UniqueConstraint(
                Lower("email"),
                "criteria_key",
                condition=models.Q(unsubscribed_at__isnull=True),
                name="unique_active_saved_search",
            ),
        ]

    def __str__(self):
        return f"{self.email} ({self.pk})"

    def get_absolute_url(self):
        return reverse("guichet:alert", kwargs={"token": self.token})

    @staticmethod
    def hash_token(token: str) -> str:
        return tokens.hash_token(token)

    @staticmethod
    def make_token(nonce: str) -> str:
        return tokens.make_token("helice.guichet.SavedSearch", nonce)

    def set_token(self) -> None:
        """A new random link (a new alert)."""
        self.token_nonce = tokens.new_nonce()
        self.token_hash = self.hash_token(self.make_token(self.token_nonce))

    @property
    def token(self) -> str:
        return self.make_token(self.token_nonce)

    def set_criteria(self, criteria: dict) -> None:
        self.criteria = normalise_criteria(criteria)
        self.criteria_key = criteria_key(self.criteria)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_active(self) -> bool:
        return self.unsubscribed_at is None

    @property
    def query_string(self) -> str:
        """The finder's query string of these criteria (the link to the results)."""
        return urlencode(criteria_items(self.criteria))

    def results_url(self) -> str:
        query = self.query_string
        return reverse("guichet:finder") + (f"?{query}" if query else "")
