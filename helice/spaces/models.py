"""Economic spaces: the places that host companies (incubators, nurseries,
business hotels, third places, platforms, activity zones…), what they offer, who
runs them, which phases of the company path they serve, and whether they have
room now.

Availability is only believed for a while: a count of free units confirmed more
than ``SPACES_AVAILABILITY_MAX_AGE_DAYS`` ago is "not confirmed since <date>",
never current (``Space.availability_state``, ``SpaceQuerySet.with_units_available``
and docs/spaces.md)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from helice.core import search
from helice.core.models import Commune, Sector, TranslatedFieldsMixin
from helice.core.sanitize import plain_text
from helice.directory.models import LocationPrecision, Organization, PublicationStatus
from helice.strategy.models import Horizon

DEFAULT_AVAILABILITY_MAX_AGE_DAYS = 90
# Words a space's slug never takes: the part's own pages under /espaces/ (urls.py).
RESERVED_SLUGS = frozenset({"carte", "parcours", "territoire", "demande", "geo"})  # geo: the API's /spaces/geo


class SpaceKind(models.TextChoices):
    INCUBATOR = "incubator", _("Incubator")
    NURSERY = "nursery", _("Business nursery")
    ACCELERATOR = "accelerator", _("Accelerator")
    BUSINESS_HOTEL = "business_hotel", _("Business hotel")
    THIRD_PLACE = "third_place", _("Third place or coworking")
    FABLAB = "fablab", _("Fablab")
    LIVING_LAB = "living_lab", _("Living lab")
    TECHNOLOGY_PLATFORM = "technology_platform", _("Technology platform")
    CLEAN_ROOM = "clean_room", _("Clean room")
    ACTIVITY_ZONE = "activity_zone", _("Activity zone")
    SHOWROOM = "showroom", _("Showroom")
    # Beyond the plan's list: a site that gathers several offers (a technology park,
    # an innovation campus, a place a filière's plan names before its form is known).
    INNOVATION_SITE = "innovation_site", _("Technology park or innovation site")


class PathPhase(models.TextChoices):
    """The three phases of the plan's company path ("parcours résidentiel"):
    to be born, to grow, to reinvent itself (IN FOCUS plan, axis 4)."""

    BORN = "born", _("Be born")
    GROW = "grow", _("Grow")
    REINVENT = "reinvent", _("Reinvent itself")


# The model field that says whether a space serves a phase.
PHASE_FIELDS = {
    PathPhase.BORN: "serves_born",
    PathPhase.GROW: "serves_grow",
    PathPhase.REINVENT: "serves_reinvent",
}

# The guichet's finer company stages (guichet.Stage codes) and the phase of the path
# each belongs to; no guichet stage says "reinvent itself" (docs/spaces.md).
PHASE_OF_GUICHET_STAGE = {
    "idea": PathPhase.BORN,
    "creation": PathPhase.BORN,
    "seed": PathPhase.BORN,
    "growth": PathPhase.GROW,
    "scaleup": PathPhase.GROW,
    "industrialisation": PathPhase.GROW,
    "international": PathPhase.GROW,
}


class PlanStatus(models.TextChoices):
    """The three statuses of the plan's table of places per filière."""

    EXISTING = "existing", _("Existing")
    TO_STRENGTHEN = "to_strengthen", _("To be strengthened")
    TO_CREATE = "to_create", _("To be created")


class AvailabilityState(models.TextChoices):
    AVAILABLE = "available", _("Units available")
    FULL = "full", _("No unit available")
    STALE = "stale", _("Availability not confirmed recently")
    UNKNOWN = "unknown", _("Availability not given")


def availability_max_age() -> datetime.timedelta:
    days = int(getattr(settings, "SPACES_AVAILABILITY_MAX_AGE_DAYS", DEFAULT_AVAILABILITY_MAX_AGE_DAYS))
    return datetime.timedelta(days=days)


def availability_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Availability confirmed before this instant is stale."""
    return (now or timezone.now()) - availability_max_age()


# What the operators' members may propose or change from the partner space
# (moderated, see helice.moderation); status, plan status, operators and sources
# stay with the metropolis's team (admin). Availability is confirmed through its
# own action (services.space_availability_confirm), not through moderation.
PARTNER_EDITABLE_FIELDS = [
    "name",
    "name_en",
    "kind",
    "summary_fr",
    "summary_en",
    "description_fr",
    "description_en",
    "serves_born",
    "serves_grow",
    "serves_reinvent",
    "sectors",
    "address",
    "postal_code",
    "commune",
    "total_surface_m2",
    "unit_count",
    "unit_size_min_m2",
    "unit_size_max_m2",
    "price_range_fr",
    "price_range_en",
    "services_fr",
    "services_en",
    "equipment_fr",
    "equipment_en",
    "selection_required",
    "max_stay_months",
    "access_conditions_fr",
    "access_conditions_en",
    "wheelchair_accessible",
    "accessibility_fr",
    "accessibility_en",
    "opening_hours_fr",
    "opening_hours_en",
    "contact_email",
    "contact_phone",
    "website",
]


class SpaceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PublicationStatus.PUBLISHED)

    def with_units_available(self, now: datetime.datetime | None = None):
        """Spaces with at least one unit free, confirmed within the allowed age:
        a stale count never counts as available."""
        return self.filter(units_available__gt=0, availability_confirmed_at__gte=availability_cutoff(now))

    def availability_stale(self, now: datetime.datetime | None = None):
        """Spaces whose count of free units is older than the allowed age (or was
        never confirmed): the operators are reminded to confirm it."""
        return self.filter(
            models.Q(availability_confirmed_at__isnull=True)
            | models.Q(availability_confirmed_at__lt=availability_cutoff(now))
        )

    def serving(self, phase: str):
        return self.filter(**{PHASE_FIELDS[PathPhase(phase)]: True})


class Space(TranslatedFieldsMixin, models.Model):
    """A place that hosts companies, run by one or more organisations."""

    name = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=SpaceKind.choices, db_index=True)
    operators = models.ManyToManyField(
        Organization, blank=True, related_name="operated_spaces", verbose_name=_("operating organisations")
    )
    summary_fr = models.CharField(_("summary (French)"), max_length=400, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=400, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    # Where
    address = models.CharField(_("street address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spaces",
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

    # For whom
    serves_born = models.BooleanField(_("serves companies being born"), default=False, db_index=True)
    serves_grow = models.BooleanField(_("serves growing companies"), default=False, db_index=True)
    serves_reinvent = models.BooleanField(_("serves companies reinventing themselves"), default=False, db_index=True)
    sectors = models.ManyToManyField(
        Sector,
        blank=True,
        related_name="spaces",
        verbose_name=_("sectors"),
        help_text=_("Leave empty when the space is open to every sector."),
    )

    # What
    total_surface_m2 = models.PositiveIntegerField(_("total surface (m²)"), null=True, blank=True)
    unit_count = models.PositiveIntegerField(_("number of units"), null=True, blank=True)
    unit_size_min_m2 = models.PositiveIntegerField(_("smallest unit (m²)"), null=True, blank=True)
    unit_size_max_m2 = models.PositiveIntegerField(_("largest unit (m²)"), null=True, blank=True)
    units_available = models.PositiveIntegerField(
        _("units available now"),
        null=True,
        blank=True,
        help_text=_("Leave empty when unknown. Believed only while recently confirmed."),
    )
    availability_confirmed_at = models.DateTimeField(_("availability confirmed on"), null=True, blank=True)
    availability_reminded_at = models.DateTimeField(
        _("operators last reminded on"), null=True, blank=True, editable=False
    )
    price_range_fr = models.CharField(_("price range (French)"), max_length=300, blank=True)
    price_range_en = models.CharField(_("price range (English)"), max_length=300, blank=True)
    services_fr = models.TextField(_("services (French)"), blank=True)
    services_en = models.TextField(_("services (English)"), blank=True)
    equipment_fr = models.TextField(_("equipment (French)"), blank=True)
    equipment_en = models.TextField(_("equipment (English)"), blank=True)

    # On what terms
    selection_required = models.BooleanField(
        _("entry by selection"), null=True, blank=True, help_text=_("Leave empty when unknown.")
    )
    max_stay_months = models.PositiveSmallIntegerField(_("maximum stay (months)"), null=True, blank=True)
    access_conditions_fr = models.TextField(_("access conditions (French)"), blank=True)
    access_conditions_en = models.TextField(_("access conditions (English)"), blank=True)
    wheelchair_accessible = models.BooleanField(
        _("wheelchair accessible"), null=True, blank=True, help_text=_("Leave empty when unknown.")
    )
    accessibility_fr = models.TextField(_("accessibility (French)"), blank=True)
    accessibility_en = models.TextField(_("accessibility (English)"), blank=True)
    opening_hours_fr = models.CharField(_("opening hours (French)"), max_length=300, blank=True)
    opening_hours_en = models.CharField(_("opening hours (English)"), max_length=300, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)

    # In the plan
    plan_status = models.CharField(
        _("status in the plan"),
        max_length=20,
        choices=PlanStatus.choices,
        blank=True,
        db_index=True,
        help_text=_("Leave empty when the plan does not say."),
    )
    plan_horizon = models.CharField(
        _("horizon in the plan"), max_length=10, choices=Horizon.choices, blank=True, db_index=True
    )
    plan_note_fr = models.TextField(_("what the plan says (French)"), blank=True)
    plan_note_en = models.TextField(_("what the plan says (English)"), blank=True)

    # Publication
    status = models.CharField(
        _("publication status"),
        max_length=20,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        db_index=True,
    )
    # A draft proposed by a partner from its space: the first change a moderator
    # approves publishes it (as guichet.Service.publish_on_approval).
    publish_on_approval = models.BooleanField(
        _("publish on approval"),
        default=False,
        help_text=_(
            "A new space proposed by a partner: it becomes public when a moderator approves a change. "
            "Untick to keep it a draft."
        ),
    )
    source = models.TextField(
        _("source of the facts"), blank=True, help_text=_("Where the facts of this record come from.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    search_document = models.TextField(editable=False, default="")
    name_key = models.CharField(editable=False, max_length=260, default="", db_index=True)

    objects = SpaceQuerySet.as_manager()

    class Meta:
        ordering = ["name_key", "id"]
        verbose_name = _("economic space")
        verbose_name_plural = _("economic spaces")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="space_coordinates_both_or_none",
            ),
            models.CheckConstraint(
                condition=models.Q(unit_size_min_m2__isnull=True)
                | models.Q(unit_size_max_m2__isnull=True)
                | models.Q(unit_size_min_m2__lte=models.F("unit_size_max_m2")),
                name="space_unit_sizes_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(unit_count__isnull=True)
                | models.Q(units_available__isnull=True)
                | models.Q(units_available__lte=models.F("unit_count")),
                name="space_available_within_units",
            ),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("spaces:detail", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        return self.translated("name")

    summary = property(lambda self: self.translated("summary"))
    description = property(lambda self: self.translated("description"))
    price_range = property(lambda self: self.translated("price_range"))
    services = property(lambda self: self.translated("services"))
    equipment = property(lambda self: self.translated("equipment"))
    access_conditions = property(lambda self: self.translated("access_conditions"))
    accessibility = property(lambda self: self.translated("accessibility"))
    opening_hours = property(lambda self: self.translated("opening_hours"))
    plan_note = property(lambda self: self.translated("plan_note"))

    @property
    def description_text(self) -> str:
        return plain_text(self.description)

    @property
    def kind_label(self) -> str:
        return str(SpaceKind(self.kind).label) if self.kind in SpaceKind.values else self.kind

    @property
    def phases(self) -> list[str]:
        """The phases of the path this space serves, in the path's order."""
        return [phase for phase, field in PHASE_FIELDS.items() if getattr(self, field)]

    @property
    def phase_labels(self) -> list[str]:
        return [str(PathPhase(phase).label) for phase in self.phases]

    @property
    def phase_items(self) -> list[tuple[str, str]]:
        return [(phase, str(PathPhase(phase).label)) for phase in self.phases]

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    # --- Availability -----------------------------------------------------------

    def availability_state(self, now: datetime.datetime | None = None) -> str:
        """Available, full, stale (a count older than the allowed age, whatever it
        says), or unknown (never given)."""
        if self.units_available is None:
            return AvailabilityState.UNKNOWN
        if self.availability_confirmed_at is None or self.availability_confirmed_at < availability_cutoff(now):
            return AvailabilityState.STALE
        return AvailabilityState.AVAILABLE if self.units_available > 0 else AvailabilityState.FULL

    @property
    def availability_is_current(self) -> bool:
        return self.availability_state() in (AvailabilityState.AVAILABLE, AvailabilityState.FULL)

    @property
    def current_units_available(self) -> int | None:
        """The count of free units, only when it is current (None otherwise)."""
        return self.units_available if self.availability_is_current else None

    def clean(self):
        super().clean()
        errors = {}
        if self.slug in RESERVED_SLUGS:
            errors["slug"] = _("This address is taken by a page of the site: choose another slug.")
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both the latitude and the longitude, or neither.")
        if self.unit_size_min_m2 and self.unit_size_max_m2 and self.unit_size_min_m2 > self.unit_size_max_m2:
            errors["unit_size_max_m2"] = _("The largest unit cannot be smaller than the smallest.")
        if self.unit_count is not None and self.units_available is not None and self.units_available > self.unit_count:
            errors["units_available"] = _("More units available than the space has.")
        if errors:
            raise ValidationError(errors)

    def build_search_document(self) -> str:
        parts = [
            self.name,
            self.name_en,
            self.summary_fr,
            self.summary_en,
            plain_text(self.description_fr),
            plain_text(self.description_en),
            self.services_fr,
            self.equipment_fr,
            self.address,
            self.commune.name if self.commune_id else "",
        ]
        if self.pk:
            for operator in self.operators.all():
                parts += [operator.name, operator.acronym]
            for sector in self.sectors.all():
                parts += [sector.name_fr, sector.name_en]
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                parts.append(str(self.kind_label))
        return search.build_document(*parts)


class SpacePhoto(models.Model):
    """A photo of a space, with its credit (required) and a text alternative."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="photos", verbose_name=_("space"))
    image = models.ImageField(_("image"), upload_to="spaces/photos/")
    credit = models.CharField(_("credit"), max_length=200, help_text=_("Who took the photo or holds its rights."))
    alt_fr = models.CharField(_("text alternative (French)"), max_length=300)
    alt_en = models.CharField(_("text alternative (English)"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return f"{self.space} — {self.credit}"

    @property
    def alt(self) -> str:
        if (get_language() or "fr").startswith("en") and self.alt_en:
            return self.alt_en
        return self.alt_fr


class PriorityNeighbourhood(models.Model):
    """A priority neighbourhood of the city policy (quartier prioritaire de la
    politique de la ville, QPV) in the territory, as the State's list gives it
    (loaded by ``manage.py import_priority_neighbourhoods`` from the ANCT's
    GeoJSON file; no list ships with the project). Its position is the centroid
    of its outline, from which the spread page measures the nearest space."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="priority_neighbourhoods", verbose_name=_("commune")
    )
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    source = models.CharField(_("source"), max_length=300, help_text=_("The file and its vintage."))
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["name", "code"]
        verbose_name = _("priority neighbourhood")
        verbose_name_plural = _("priority neighbourhoods")

    def __str__(self):
        return f"{self.name} ({self.code})"
