"""Write operations of the guichet: the taxonomy and services of a territory's
dataset, the search fields of services, the services partners propose, and the
alerts (saved finder searches e-mailed weekly)."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from helice.core import mail, search
from helice.core.models import Sector
from helice.core.services import TerritoryDataError, read_yaml, records_of, upsert
from helice.directory.models import Organization, PublicationStatus

from .models import Calendar, Need, SavedSearch, Service, ServiceKind, Stage, criteria_key, normalise_criteria

logger = logging.getLogger(__name__)

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "taxonomy.yaml"
SERVICES_FOLDER = "services"

SERVICE_TEXT_FIELDS = (
    "name",
    "name_en",
    "summary_fr",
    "summary_en",
    "description_fr",
    "description_en",
    "eligibility_fr",
    "eligibility_en",
    "amount_note_fr",
    "amount_note_en",
    "cost_fr",
    "cost_en",
    "how_to_apply_fr",
    "how_to_apply_en",
    "contact_email",
    "contact_phone",
    "website",
    "status_note_fr",
    "status_note_en",
)
SERVICE_FIELDS = {
    *SERVICE_TEXT_FIELDS,
    "slug",
    "kind",
    "providers",
    "needs",
    "stages",
    "sectors",
    "calendar",
    "opens_on",
    "closes_on",
    "max_company_age_years",
    "max_headcount",
    "amount_min",
    "amount_max",
    "status",
    "sources",
}
DERIVED_FIELDS = ("search_document", "name_key")


def service_reindex(*, service: Service) -> None:
    """Recompute the derived search fields of one service."""
    document = service.build_search_document()
    key = search.name_key(service.name)
    # updated_at is stamped too: the finder's snapshot (matching.py) follows it.
    now = timezone.now()
    Service.objects.filter(pk=service.pk).update(search_document=document, name_key=key, updated_at=now)
    service.search_document, service.name_key, service.updated_at = document, key, now
    # Every write path ends here (admin, dataset loader, moderation): the first time
    # the service is seen published is when it becomes new for the alerts.
    if Service.objects.filter(pk=service.pk, status=PublicationStatus.PUBLISHED, published_at__isnull=True).update(
        published_at=now
    ):
        service.published_at = now
    if service.publish_on_approval and service.status == PublicationStatus.PUBLISHED:
        # Published (by a moderator's approval, or the admin): a partner's proposal no more.
        Service.objects.filter(pk=service.pk).update(publish_on_approval=False)
        service.publish_on_approval = False
    from . import matching  # the finder reads this process's own writes at once

    matching.mark_stale()
    transaction.on_commit(matching.mark_stale)


# --- services proposed by partners (docs/guichet.md, "Partner editing") -----------------

# Words a service's slug never takes: the partner space's own addresses under
# /mon-espace/organisations/<organisation>/dispositifs/ (urls_partner.py).
RESERVED_SLUGS = frozenset({"nouveau"})


def unique_service_slug(name: str) -> str:
    """A slug made from ``name`` that no service has (``-2``, ``-3``… when taken)."""
    base = slugify(name)[:200].strip("-") or "dispositif"
    taken = set(Service.objects.filter(slug__startswith=base).values_list("slug", flat=True)) | RESERVED_SLUGS
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def service_propose(*, organization: Organization, by, data: dict, comment: str = ""):
    """``by`` proposes a new service provided by ``organization`` (its members and
    moderators: ``guichet.add_service``).

    ``data`` is the editable state as a revision holds it (``ServiceEditForm
    .proposed_data()``: the partner-editable fields, relations by natural key).
    The service is created as a draft with this organisation as provider and a
    unique slug, flagged ``publish_on_approval``; its content is then submitted
    as a revision of new content (``revision_submit(new=True)``). It is published
    with that revision: at once for a trusted provider or a moderator, when a
    moderator approves it otherwise (see :func:`service_after_change`). A refused
    proposal leaves the draft unpublished, in the members' list with the reason.

    Raises ``PermissionDenied``, or ``ValidationError`` (keyed by field) for bad
    input: then nothing is saved. Returns ``(service, revision)``."""
    from helice.moderation import services as moderation
    from helice.moderation.registry import adapter_for

    from .models import offered_kinds

    if not by.has_perm("guichet.add_service", organization):
        raise PermissionDenied
    adapter = adapter_for(Service)
    state = {**adapter.blank(), **{k: v for k, v in data.items() if k in adapter.fields}}
    state["name"] = " ".join(str(state.get("name") or "").split())
    if state["kind"] not in dict(offered_kinds()):
        raise ValidationError({"kind": _("Choose a kind of service from the list.")})
    candidate, _related = adapter.preview(Service(), state)
    # The model's own rules on what the partner gave (lengths, choices, calendar, dates).
    candidate.full_clean(
        exclude=[f.name for f in Service._meta.fields if f.name not in adapter.fields], validate_unique=False
    )
    service = Service(
        name=state["name"],
        kind=state["kind"],
        status=PublicationStatus.DRAFT,
        publish_on_approval=True,
    )
    for attempt in range(5):  # two partners may pick the same name at the same moment
        service.slug = unique_service_slug(state["name"])
        try:
            with transaction.atomic():
                service.save()
            break
        except IntegrityError:
            if attempt == 4:
                raise
    service.providers.set([organization])
    revision = moderation.revision_submit(obj=service, data=state, author=by, comment=comment, new=True)
    service.refresh_from_db()
    return service, revision


def service_after_change(*, service: Service) -> None:
    """After a moderated change is applied to ``service`` (moderation's
    ``after_apply``): a draft proposed by a partner (``publish_on_approval``) is
    published; then its search fields are recomputed (and ``published_at`` set).
    An admin-made draft stays a draft."""
    if service.publish_on_approval and service.status == PublicationStatus.DRAFT:
        service.status = PublicationStatus.PUBLISHED
        service.save(update_fields=["status", "updated_at"])
    service_reindex(service=service)


@transaction.atomic
def taxonomy_load(*, path: Path | str = TAXONOMY_FILE) -> dict[str, int]:
    """Create or update the stages and needs (two levels) of the taxonomy file,
    matched by code. Codes absent from the file are left as they are (retire
    them with ``active: false``, never delete them)."""
    document = read_yaml(Path(path))
    if not isinstance(document, dict):
        raise TerritoryDataError(f"{path}: expected a mapping with “stages” and “needs”.")
    counts = {"created": 0, "updated": 0, "total": 0}
    for position, record in enumerate(document.get("stages") or []):
        values = _reference_values(record, position, f"{Path(path).name}: stage")
        _stage, created = upsert(Stage, key="code", values=values, label=f"stage “{values['code']}”")
        _count(counts, created)
    for position, record in enumerate(document.get("needs") or []):
        parent_values = _reference_values(record, position * 100, f"{Path(path).name}: need")
        parent, created = upsert(
            Need, key="code", values={**parent_values, "parent": None}, label=f"need “{parent_values['code']}”"
        )
        _count(counts, created)
        for child_position, child in enumerate(record.get("children") or []):
            values = _reference_values(child, position * 100 + child_position + 1, f"need “{parent.code}”")
            _need, created = upsert(
                Need, key="code", values={**values, "parent": parent}, label=f"need “{values['code']}”"
            )
            _count(counts, created)
    return counts


def _count(counts: dict[str, int], created: bool) -> None:
    counts["created" if created else "updated"] += 1
    counts["total"] += 1


def _reference_values(record, position: int, label: str) -> dict:
    if not isinstance(record, dict) or not record.get("code") or not record.get("name_fr"):
        raise TerritoryDataError(f"{label}: each entry needs a code and a name_fr.")
    return {
        "code": str(record["code"]),
        "name_fr": str(record["name_fr"]),
        "name_en": str(record.get("name_en") or ""),
        "position": position,
        "is_active": bool(record.get("active", True)),
    }


def service_files(path: Path | str) -> list[Path]:
    folder = Path(path) / SERVICES_FOLDER
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def _codes(model, values, label: str, what: str, key: str = "code") -> list:
    values = [str(v) for v in values or []]
    found = {getattr(o, key): o for o in model.objects.filter(**{f"{key}__in": values})}
    unknown = [v for v in values if v not in found]
    if unknown:
        raise TerritoryDataError(f"{label}: unknown {what} {', '.join(unknown)}.")
    return [found[v] for v in values]


def _date(value, label: str, field: str):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise TerritoryDataError(f"{label}: {field} must be a date (YYYY-MM-DD).") from None


@transaction.atomic
def services_load(*, path: Path | str) -> dict[str, int]:
    """Create or update the services described in ``<territory>/services/*.yaml``,
    matched by slug, with their providers (organisation slugs), needs, stages and
    sectors. Every record is validated; the first invalid one raises
    :class:`TerritoryDataError` naming it and nothing is loaded."""
    counts = {"created": 0, "updated": 0, "total": 0}
    seen: dict[str, str] = {}
    for file in service_files(path):
        records, source = records_of(file, "services")
        for index, record in enumerate(records):
            label = f"{file.name}: service “{record.get('slug') or record.get('name') or index}”"
            unknown = set(record) - SERVICE_FIELDS
            if unknown:
                raise TerritoryDataError(f"{label}: unknown field(s) {', '.join(sorted(unknown))}.")
            missing = [k for k in ("name", "slug", "kind", "providers") if not record.get(k)]
            if missing:
                raise TerritoryDataError(f"{label}: missing field(s) {', '.join(missing)}.")
            if record["kind"] not in ServiceKind.values:
                raise TerritoryDataError(f"{label}: unknown kind {record['kind']}.")
            slug = str(record["slug"])
            if slug in seen:
                raise TerritoryDataError(f"{label}: slug already used in {seen[slug]}.")
            seen[slug] = file.name
            values = {field: str(record.get(field) or "").strip() for field in SERVICE_TEXT_FIELDS}
            values.update(
                slug=slug,
                kind=record["kind"],
                calendar=record.get("calendar") or Calendar.PERMANENT,
                opens_on=_date(record.get("opens_on"), label, "opens_on"),
                closes_on=_date(record.get("closes_on"), label, "closes_on"),
                max_company_age_years=record.get("max_company_age_years"),
                max_headcount=record.get("max_headcount"),
                amount_min=record.get("amount_min"),
                amount_max=record.get("amount_max"),
                status=record.get("status") or PublicationStatus.PUBLISHED,
                sources=str(record.get("sources") or source or "").strip(),
            )
            providers = _codes(Organization, record.get("providers"), label, "provider(s)", key="slug")
            needs = _codes(Need, record.get("needs"), label, "need(s)")
            stages = _codes(Stage, record.get("stages"), label, "stage(s)")
            sectors = _codes(Sector, record.get("sectors"), label, "sector(s)", key="slug")
            service, created = upsert(
                Service, key="slug", values=values, label=label, exclude_from_clean=DERIVED_FIELDS
            )
            service.providers.set(providers)
            service.needs.set(needs)
            service.stages.set(stages)
            service.sectors.set(sectors)
            service_reindex(service=service)
            _count(counts, created)
    return counts


# --- orientation requests (the request engine is helice.referrals) ----------------------


def orientation_request_send(*, services: list[Service], route: bool, data: dict, submission_key, user=None):
    """Send an orientation request to the providers of the chosen services (one
    case per provider) and/or to the metropolis's team for routing. SIREN/SIRET,
    when given, fills the empty company fields from the directory first."""
    from helice.referrals import services as referrals
    from helice.referrals.models import RequestKind

    data = {**data, **company_prefill(data.get("siren", ""), data)}
    targets = []
    for service in services:
        for provider in service.providers.filter(status="published").order_by("pk"):
            targets.append(referrals.Target(organization=provider, subject=service))
    return referrals.request_create(
        kind=RequestKind.ORIENTATION,
        targets=targets,
        route_to_team=route or not targets,
        submission_key=submission_key,
        data=data,
        user=user,
    )


def company_prefill(siren: str, data: dict) -> dict:
    """The fields still empty in ``data`` that the directory's organisation with
    this SIREN can fill (name, headcount band, founding year, sector, commune)."""
    from helice.directory.models import Organization

    if not siren:
        return {}
    organization = Organization.objects.filter(siren=siren[:9], status="published").select_related("commune").first()
    if organization is None:
        return {}
    sector = organization.sectors.order_by("position").first()
    found = {
        "company_name": organization.name,
        "headcount_band": organization.headcount_band,
        "founding_year": organization.founding_year,
        "sector": sector,
        "commune": organization.commune,
    }
    return {key: value for key, value in found.items() if value and not data.get(key)}


# --- Alerts: saved finder searches (docs/guichet.md, "Alerts") ---------------------------

DIGEST_MAX = 10  # services listed in a digest; the link to the results shows every one
UNSUBSCRIBED_KEPT_DAYS = 30  # an unsubscribe link keeps answering this long, then the alert is deleted


class AlertError(Exception):
    """A refusal with a message for the person (``code``: invalid, empty, limit,
    unsubscribed, expired, gone)."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class AlertRequest:
    """What ``search_alert_create`` did: ``confirmation_sent`` (a new alert, or
    one waiting for confirmation whose link is sent again), ``exists`` (the
    address already receives this search: a reminder with its link is sent),
    ``limit`` (the address has too many alerts: the list is mailed to it), or
    ``active`` (the signed-in owner of the address: active at once, no mail).
    Only the owner of the address is told which; anyone else sees the same page."""

    outcome: str
    alert: SavedSearch | None = None


def _clean_email(email: str) -> str:
    email = BaseUserManager.normalize_email((email or "").strip())
    try:
        validate_email(email)
    except ValidationError:
        raise AlertError(_("Enter a valid e-mail address."), code="invalid") from None
    return email


def _confirm_deadline(now: datetime.datetime) -> datetime.datetime:
    """Alerts asked before this and still unconfirmed have expired."""
    return now - datetime.timedelta(days=settings.GUICHET_ALERTS_CONFIRM_DAYS)


def _verified_owner(email: str):
    """The account that has verified this address, if any (one at most:
    addresses are unique among accounts)."""
    from allauth.account.models import EmailAddress

    found = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
    return found.user if found else None


def _owns(user, email: str) -> bool:
    from allauth.account.models import EmailAddress

    return bool(
        user is not None
        and user.is_authenticated
        and EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
    )


def alert_link(alert: SavedSearch, name: str = "guichet:alert") -> str:
    """An absolute link with the alert's token, in the alert's language."""
    with translation.override(alert.language):
        return mail.absolute(reverse(name, kwargs={"token": alert.token}))


def _alert_mail(alert: SavedSearch, template: str, context: dict, headers: dict | None = None) -> None:
    from . import selectors

    with translation.override(alert.language):
        criteria = selectors.criteria_in_words(alert.criteria)
        results_url = mail.absolute(alert.results_url())
    mail.send_after_commit(
        template=f"guichet/email/{template}",
        context={
            "alert": alert,
            "criteria": criteria,
            "results_url": results_url,
            "manage_url": alert_link(alert),
            "confirm_url": alert_link(alert, "guichet:alert_confirm"),
            "unsubscribe_url": alert_link(alert, "guichet:alert_unsubscribe"),
            "confirm_days": settings.GUICHET_ALERTS_CONFIRM_DAYS,
            **context,
        },
        recipients=[alert.email],
        headers=headers,
        language=alert.language,
    )


def search_alert_create(*, email: str, criteria: dict, language: str = "", user=None) -> AlertRequest:
    """Save a finder search for ``email`` (anyone may ask, no account needed).
    Nothing is sent to the address but the confirmation link until it is
    confirmed, unless ``user`` is signed in with this address verified: then the
    alert is active at once. At most ``GUICHET_ALERTS_PER_EMAIL`` active alerts per
    address (alerts waiting for confirmation count until they expire).

    ``criteria``: the finder's cleaned criteria (``FinderForm``); at least one."""
    email = _clean_email(email)
    criteria = normalise_criteria(criteria)
    if not criteria:
        raise AlertError(_("Search with at least one criterion before saving the search."), code="empty")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    owner = user if _owns(user, email) else None
    now = timezone.now()
    with transaction.atomic():
        existing = (
            SavedSearch.objects.select_for_update()
            .active()
            .for_email(email)
            .filter(criteria_key=criteria_key(criteria))
            .first()
        )
        if existing is not None:
            return _asked_again(existing, owner=owner, now=now)
        active = SavedSearch.objects.active().for_email(email)
        counted = active.filter(Q(confirmed_at__isnull=False) | Q(created_at__gte=_confirm_deadline(now)))
        if counted.count() >= settings.GUICHET_ALERTS_PER_EMAIL:
            if owner is not None:
                raise AlertError(
                    _("This address already has %(limit)d alerts: unsubscribe from one before saving another.")
                    % {"limit": settings.GUICHET_ALERTS_PER_EMAIL},
                    code="limit",
                )
            alerts = list(counted.order_by("created_at", "id"))
            _limit_mail(email, alerts, language)
            return AlertRequest("limit")
        alert = SavedSearch(email=email, language=language, created_at=now)
        alert.set_criteria(criteria)
        alert.set_token()
        if owner is not None:
            alert.user, alert.confirmed_at = owner, now
        try:
            with transaction.atomic():
                alert.save()
        except IntegrityError:  # the same search saved for this address at the same moment
            return AlertRequest("confirmation_sent")
        if owner is not None:
            return AlertRequest("active", alert)
        _alert_mail(alert, "alert_confirm", {})
        return AlertRequest("confirmation_sent", alert)


def _asked_again(alert: SavedSearch, *, owner, now) -> AlertRequest:
    if alert.confirmed_at is not None:
        if owner is not None:
            return AlertRequest("active", alert)
        _alert_mail(alert, "alert_exists", {})
        return AlertRequest("exists", alert)
    if owner is not None:
        alert.confirmed_at, alert.user = now, owner
        alert.save(update_fields=["confirmed_at", "user"])
        return AlertRequest("active", alert)
    alert.created_at = now  # asked again: the link is valid from now
    alert.save(update_fields=["created_at"])
    _alert_mail(alert, "alert_confirm", {})
    return AlertRequest("confirmation_sent", alert)


def _limit_mail(email: str, alerts: list[SavedSearch], language: str) -> None:
    from . import selectors

    rows = []
    with translation.override(language):
        for alert in alerts:
            rows.append({"criteria": selectors.criteria_in_words(alert.criteria), "manage_url": alert_link(alert)})
    mail.send_after_commit(
        template="guichet/email/alert_limit",
        context={"alerts": rows, "limit": settings.GUICHET_ALERTS_PER_EMAIL},
        recipients=[email],
        language=language,
    )


def _locked(alert: SavedSearch) -> SavedSearch:
    locked = SavedSearch.objects.select_for_update().filter(pk=alert.pk).first()
    if locked is None:
        raise AlertError(_("This alert no longer exists."), code="gone")
    return locked


def search_alert_confirm(*, alert: SavedSearch) -> SavedSearch:
    """Confirm the address (the link mailed to it was followed): the alert will
    receive digests. Confirming twice changes nothing. The alert is tied to the
    account that has verified this address, if any (that person's data)."""
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(alert)
        if locked.unsubscribed_at is not None:
            raise AlertError(
                _("You unsubscribed from this alert. Save the search again from its results to receive it again."),
                code="unsubscribed",
            )
        if locked.confirmed_at is None:
            if locked.created_at < _confirm_deadline(now):
                raise AlertError(
                    _("This confirmation link has expired. Save the search again from its results."),
                    code="expired",
                )
            locked.confirmed_at = now
            locked.user = locked.user or _verified_owner(locked.email)
            locked.save(update_fields=["confirmed_at", "user"])
    return locked


def search_alert_unsubscribe(*, alert: SavedSearch) -> SavedSearch:
    """Stop the alert (one click from any digest). Unsubscribing twice changes
    nothing; the alert is deleted ``UNSUBSCRIBED_KEPT_DAYS`` later."""
    with transaction.atomic():
        locked = _locked(alert)
        if locked.unsubscribed_at is None:
            locked.unsubscribed_at = timezone.now()
            locked.save(update_fields=["unsubscribed_at"])
    return locked


def search_alerts_link_address(*, email: str, user) -> int:
    """``user`` has just verified ``email``: its alerts become that person's data
    (their export, and erased with their account). Returns how many."""
    return SavedSearch.objects.for_email(email).exclude(user=user).update(user=user)


def _user_alerts(user):
    from allauth.account.models import EmailAddress

    addresses = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    condition = Q(user=user)
    for address in addresses:
        condition |= Q(email__iexact=address)
    return SavedSearch.objects.filter(condition)


def search_alerts_export(user) -> list[dict]:
    """The alerts of ``user``'s verified addresses (personal-data export)."""

    def iso(value):
        return value.isoformat() if value else None

    return [
        {
            "email": alert.email,
            "criteria": alert.criteria,
            "language": alert.language,
            "asked_at": iso(alert.created_at),
            "confirmed_at": iso(alert.confirmed_at),
            "last_sent_at": iso(alert.last_sent_at),
            "unsubscribed_at": iso(alert.unsubscribed_at),
        }
        for alert in _user_alerts(user).order_by("created_at", "id")
    ]


def search_alerts_erase(user) -> None:
    """Delete the alerts of ``user`` (account deletion). The accounts section may
    have removed the addresses already: alerts are tied to the account when an
    address is verified (``search_alerts_link_address``) or an alert confirmed."""
    _user_alerts(user).delete()


def _new_service_ids(fresh, since: datetime.datetime, until: datetime.datetime, today: datetime.date) -> set[int]:
    """The services new in (since, until]: first published in that period, or a
    call whose opening date falls in it (days after ``since``'s day, up to today)."""
    since_day = timezone.localdate(since)
    return {
        pk
        for pk, published_at, calendar, opens_on in fresh
        if (published_at is not None and since < published_at <= until)
        or (calendar == Calendar.CALL and opens_on is not None and since_day < opens_on <= today)
    }


def search_alerts_send(*, now: datetime.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """The weekly digests: for each confirmed alert, the services and calls new
    since its last digest (or its confirmation) that match its search, in one mail
    with the link to all the results and the unsubscribe link, sent only when there
    is something. An alert whose digest fails is logged and left for the next run;
    the others go on. With ``dry_run`` nothing is sent, saved or deleted.

    Then alerts never confirmed within ``GUICHET_ALERTS_CONFIRM_DAYS`` and alerts
    unsubscribed for ``UNSUBSCRIBED_KEPT_DAYS`` are deleted (their addresses with
    them). Returns the counts: checked, sent, nothing_new, failed, purged."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"checked": 0, "sent": 0, "nothing_new": 0, "failed": 0, "purged": 0}
    alerts = SavedSearch.objects.confirmed()
    earliest = alerts.aggregate(since=Min(Coalesce("last_sent_at", "confirmed_at")))["since"]
    fresh = []
    if earliest is not None:
        fresh = list(
            Service.objects.published()
            .filter(
                Q(published_at__gt=earliest, published_at__lte=now)
                | Q(calendar=Calendar.CALL, opens_on__gt=timezone.localdate(earliest), opens_on__lte=today)
            )
            .values_list("id", "published_at", "calendar", "opens_on")
        )
    for pk in alerts.order_by("pk").values_list("pk", flat=True):
        counts["checked"] += 1
        try:
            with transaction.atomic():
                sent = _digest(pk, fresh, now=now, today=today, dry_run=dry_run)
        except Exception:  # one alert's failure must not stop the others
            logger.exception("Could not prepare the digest of alert %s", pk)
            counts["failed"] += 1
            continue
        counts["sent" if sent else "nothing_new"] += 1
    if not dry_run:
        counts["purged"] = _purge(now)
    return counts


def _digest(pk: int, fresh, *, now, today, dry_run: bool) -> bool:
    """One alert's digest (in the caller's transaction); True when there is one."""
    from . import matching

    alert = SavedSearch.objects.select_for_update().confirmed().filter(pk=pk).first()
    if alert is None:  # unsubscribed meanwhile
        return False
    since = alert.last_sent_at or alert.confirmed_at
    ids = _new_service_ids(fresh, since, now, today)
    with translation.override(alert.language):
        matches, total = matching.match_among(
            matching.Criteria.from_saved(alert.criteria), ids, today=today, limit=DIGEST_MAX
        )
        if not matches:
            return False
        items = [
            {
                "service": m.service,
                "url": mail.absolute(m.service.get_absolute_url()),
                "reasons": m.reasons,
                "new_call": m.service.calendar == Calendar.CALL
                and m.service.opens_on is not None
                and timezone.localdate(since) < m.service.opens_on <= today,
            }
            for m in matches
            if m.service is not None  # deleted since the catalogue was read
        ]
    if not items:
        return False
    if dry_run:
        return True
    if alert.token_hash != alert.hash_token(alert.token):  # SECRET_KEY changed: older links no longer work
        logger.warning("Alert %s: new link (the secret key changed)", pk)
        alert.token_hash = alert.hash_token(alert.token)
    unsubscribe_url = alert_link(alert, "guichet:alert_unsubscribe")
    _alert_mail(
        alert,
        "alert_digest",
        {"items": items, "total": total, "more": total - len(items), "since": since},
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    alert.last_sent_at = now
    alert.save(update_fields=["last_sent_at", "token_hash"])
    return True


def _purge(now: datetime.datetime) -> int:
    unconfirmed = Q(confirmed_at__isnull=True, unsubscribed_at__isnull=True, created_at__lt=_confirm_deadline(now))
    unsubscribed = Q(unsubscribed_at__lt=now - datetime.timedelta(days=UNSUBSCRIBED_KEPT_DAYS))
    deleted, _by_model = SavedSearch.objects.filter(unconfirmed | unsubscribed).delete()
    return deleted
