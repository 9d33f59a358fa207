"""The directory: organisations of the ecosystem ("who does what, where")."""

import datetime
import functools
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from helice.core import search
from helice.core.models import Commune, Sector
from helice.core.sanitize import plain_text

from . import validators


class OrganizationKind(models.TextChoices):
    COMPANY = "company", _("Company")
    STARTUP = "startup", _("Start-up")
    RESEARCH_LAB = "research_lab", _("Research laboratory")
    HIGHER_EDUCATION = "higher_education", _("University or school")
    COMPETITIVENESS_CLUSTER = "competitiveness_cluster", _("Competitiveness cluster")
    CLUSTER = "cluster", _("Cluster or network")
    INCUBATOR = "incubator", _("Incubator")
    ACCELERATOR = "accelerator", _("Accelerator")
    INVESTOR = "investor", _("Investor or fund")
    PUBLIC_FINANCER = "public_financer", _("Bank or public financer")
    PUBLIC_BODY = "public_body", _("Public body")
    CHAMBER = "chamber", _("Chamber")
    ASSOCIATION = "association", _("Association")
    THIRD_PLACE = "third_place", _("Third place or coworking operator")
    TECHNOLOGY_PLATFORM = "technology_platform", _("Technology platform")


class HelixStrand(models.TextChoices):
    RESEARCH = "research", _("Research")
    INDUSTRY = "industry", _("Industry")
    EDUCATION = "education", _("Education")
    PUBLIC = "public", _("Public bodies")
    CIVIL_SOCIETY = "civil_society", _("Civil society")


class HeadcountBand(models.TextChoices):
    # INSEE workforce bands ("tranches d'effectif salarié"), grouped.
    NONE = "0", _("No employee")
    MICRO = "1-9", _("1 to 9")
    SMALL = "10-49", _("10 to 49")
    MEDIUM = "50-249", _("50 to 249")
    MIDSIZE = "250-999", _("250 to 999")
    LARGE = "1000-4999", _("1,000 to 4,999")
    VERY_LARGE = "5000+", _("5,000 or more")


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class LocationPrecision(models.TextChoices):
    ADDRESS = "address", _("Address")
    COMMUNE = "commune", _("Centre of the commune (approximate)")


class InternationalKind(models.TextChoices):
    EXPORT = "export", _("Export")
    OFFICE_ABROAD = "office_abroad", _("Office abroad")
    PARTNERSHIP = "partnership", _("Partnership")
    FOREIGN_OWNED = "foreign_owned", _("Foreign-owned")


class Tag(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


@functools.lru_cache(maxsize=16)
def _choice_labels(choices_class: type[models.TextChoices], language: str) -> dict[str, str]:
    with translation.override(language):
        return {value: str(label) for value, label in choices_class.choices}


def choice_label(choices_class: type[models.TextChoices], value: str) -> str:
    """The label of a choice in the active language, without Django's
    ``get_FOO_display()`` cost (which hashes every lazy label on each call: it
    showed in the list page's profile)."""
    return _choice_labels(choices_class, get_language() or settings.LANGUAGE_CODE).get(value, value)


class OrganizationQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PublicationStatus.PUBLISHED)


def current_year():
    return datetime.date.today().year


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=40, choices=OrganizationKind.choices, db_index=True)
    helix = models.CharField(_("helix strand"), max_length=20, choices=HelixStrand.choices, db_index=True)
    sectors = models.ManyToManyField(Sector, blank=True, related_name="organizations", verbose_name=_("sectors"))
    naf_code = models.CharField(
        _("NAF code"),
        max_length=6,
        blank=True,
        validators=[validators.validate_naf_code],
        help_text=_("NAF rev. 2 activity code, e.g. 62.01Z."),
    )
    siren = models.CharField(
        _("SIREN"), max_length=9, blank=True, validators=[validators.validate_siren], db_index=True
    )
    siret = models.CharField(
        _("SIRET (head office)"), max_length=14, blank=True, validators=[validators.validate_siret]
    )
    address = models.CharField(_("street address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("commune"),
    )
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    location_precision = models.CharField(
        _("location precision"),
        max_length=10,
        choices=LocationPrecision.choices,
        blank=True,
        help_text=_("Whether the coordinates are those of the address or only of the commune's centre."),
    )
    website = models.URLField(_("website"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="organizations/logos/", blank=True)
    founding_year = models.PositiveSmallIntegerField(
        _("founding year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1000), validators.validate_not_future_year],
    )
    headcount_band = models.CharField(_("headcount"), max_length=10, choices=HeadcountBand.choices, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="organizations", verbose_name=_("tags"))
    status = models.CharField(
        _("publication status"),
        max_length=20,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        db_index=True,
    )
    sources = models.TextField(_("sources"), blank=True, help_text=_("Where the facts of this record come from."))
    is_trusted = models.BooleanField(
        _("trusted partner"),
        default=False,
        help_text=_("Changes made by its members in the partner space are published at once, without review."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Derived search fields, kept current by services.organization_reindex().
    search_document = models.TextField(editable=False, default="")
    name_key = models.CharField(editable=False, max_length=260, default="", db_index=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name_key", "id"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="organization_coordinates_both_or_none",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self._per_language("url", lambda: reverse("directory:detail", kwargs={"slug": self.slug}))

    def _per_language(self, name: str, compute):
        """``compute()`` once per language for this instance: list rows are kept
        in memory between requests (the directory's row cache) and rendered often."""
        memo = self.__dict__.setdefault("_language_memo", {})
        key = (name, get_language())
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    @property
    def summary(self) -> str:
        """The description cut to its first 35 words, for list rows."""
        return self._per_language("summary", lambda: Truncator(self.description_text).words(35, truncate=" …"))

    @property
    def description_text(self) -> str:
        """The description as plain text (a description may hold the allowed markup,
        see core.sanitize): for meta tags, JSON-LD, list rows and search."""
        return plain_text(self.description)

    @property
    def description(self):
        if (get_language() or "fr").startswith("en") and self.description_en:
            return self.description_en
        return self.description_fr

    @property
    def kind_label(self) -> str:
        return choice_label(OrganizationKind, self.kind)

    @property
    def helix_label(self) -> str:
        return choice_label(HelixStrand, self.helix)

    @property
    def list_sectors(self) -> list:
        """The sectors a list row shows: set in bulk by the directory's selectors
        (``_list_sectors``) when they read a page, read from the database otherwise."""
        preloaded = self.__dict__.get("_list_sectors")
        return preloaded if preloaded is not None else list(self.sectors.all())

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None

    def clean(self):
        super().clean()
        if self.siren and self.siret and not self.siret.startswith(self.siren):
            raise ValidationError({"siret": _("The SIRET must begin with the organisation's SIREN.")})
        if self.founding_year and self.founding_year > current_year():
            raise ValidationError({"founding_year": _("The founding year cannot be in the future.")})

    def build_search_document(self):
        """Texts a visitor may type to find this organisation."""
        parts = [self.name, self.acronym, plain_text(self.description_fr), plain_text(self.description_en)]
        if self.pk:
            parts += [t.name for t in self.tags.all()]
            for sector in self.sectors.all():
                parts += [sector.name_fr, sector.name_en]
        if self.commune_id:
            parts.append(self.commune.name)
        # The kind's label in every language, whatever language is active now.
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                parts.append(str(self.get_kind_display()))
        return search.build_document(*parts)


# What an organisation's members may change from the partner space (moderated, see
# helice.moderation). Kind, helix strand, status, coordinates, sources and
# international activities stay with the metropolis's team (admin).
PARTNER_EDITABLE_FIELDS = [
    "name",
    "acronym",
    "description_fr",
    "description_en",
    "website",
    "address",
    "postal_code",
    "commune",
    "sectors",
    "naf_code",
    "siren",
    "siret",
    "founding_year",
    "headcount_band",
    "logo",
]


class InternationalActivity(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="international_activities",
        verbose_name=_("organisation"),
    )
    country = CountryField(_("country"))
    kind = models.CharField(_("kind"), max_length=20, choices=InternationalKind.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["country", "kind"]
        verbose_name = _("international activity")
        verbose_name_plural = _("international activities")
        constraints = [
            models.UniqueConstraint(fields=["organization", "country", "kind"], name="unique_international_activity"),
        ]

    def __str__(self):
        return f"{self.country.name} ({self.get_kind_display()})"


def _random_token() -> int:
    return secrets.randbits(62)


class SearchChange(models.Model):
    """The change log the in-process search index follows (search_index.py): one
    row each time an organisation's searchable data may have changed, written in
    the writer's transaction. ``token`` tells two entries apart when an id is
    reused after a rollback (SQLite reissues rolled-back ids)."""

    organization_id = models.BigIntegerField()  # not a foreign key: deletions are logged too
    token = models.BigIntegerField(default=_random_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("search index change")
        verbose_name_plural = _("search index changes")

    def __str__(self):
        return f"#{self.pk}: {self.organization_id}"
