"""The finder: from a person's situation to the few services that fit, each with
the reasons it fits. The rules are written down in docs/guichet.md and tested.

Criteria (each optional): needs (codes of needs or sub-needs), a company stage,
a sector, a commune, the company's headcount and age, and free text. The free
text is first *understood*: words and phrases of ``data/synonyms.yaml`` become
needs and a stage (shown to the person, who can correct them); the words left
over count as search words.

Every published service that is not a closed call is checked against every
criterion: it is either excluded by one (the first that fails, counted so a
person who finds nothing learns which criterion excluded what) or scored. The
services are read once per version of the catalogue into a small in-memory
snapshot, so a match is pure Python over at most a few thousand records."""

from __future__ import annotations

import datetime
import functools
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from helice.core import search
from helice.directory.models import PublicationStatus

from .models import CallState, Need, Service, Stage

SYNONYMS_FILE = Path(__file__).resolve().parent / "data" / "synonyms.yaml"
MAX_RESULTS = 20
NEAREST = 5

# Points (docs/guichet.md, "Ranking").
NEED_EXACT = 40
NEED_CHILD_OF_REQUESTED = 35
NEED_PARENT_OF_REQUESTED = 25
NEED_EACH_MORE = 5
STAGE_EXPLICIT = 20
STAGE_ANY = 5
SECTOR_EXPLICIT = 15
SECTOR_ANY = 5
LIMIT_FITS = 5
NEAR_YOU = 5
TEXT_TERM = 10
TEXT_MAX = 30
# Ties: open calls first, then services open all year, then the rest.
CALENDAR_ORDER = {CallState.OPEN: 0, CallState.PERMANENT: 1, CallState.UPCOMING: 2, CallState.DATES_TBC: 3}

CRITERIA = ("need", "stage", "sector", "size", "age", "text")


@dataclass
class Criteria:
    needs: list[str] = field(default_factory=list)
    stage: str = ""
    sector: str = ""
    commune: str = ""
    size: int | None = None
    age: int | None = None
    q: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.needs or self.stage or self.sector or self.commune or self.q) and (
            self.size is None and self.age is None
        )

    @classmethod
    def from_saved(cls, data: dict) -> Criteria:
        """The criteria of a saved search (``models.normalise_criteria``)."""
        return cls(
            needs=list(data.get("need") or []),
            stage=data.get("stage") or "",
            sector=data.get("sector") or "",
            commune=data.get("commune") or "",
            size=data.get("size"),
            age=data.get("age"),
            q=data.get("q") or "",
        )


@dataclass
class Understood:
    """What the free text was understood to mean."""

    needs: list[str] = field(default_factory=list)
    stage: str = ""
    words: list[str] = field(default_factory=list)  # the search words left over (stems, for matching)
    shown_words: list[str] = field(default_factory=list)  # the same words as typed (normalised)


@dataclass
class Match:
    service_id: int
    score: int
    reasons: list[str]
    order: tuple
    service: Service | None = None


@dataclass
class MatchResult:
    criteria: Criteria
    understood: Understood
    matches: list[Match]
    total: int
    excluded_by: dict[str, int]  # criterion -> services it alone excluded
    closed_calls: int
    nearest: list[Match] = field(default_factory=list)
    relaxed: str = ""  # the criterion dropped to find the nearest services
    would_match_without: dict[str, int] = field(default_factory=dict)


# --- Understanding free text ---------------------------------------------------------------


def _stems(text: str) -> list[str]:
    return [search.stem(w) for w in search.words(text) if w not in search.STOP_WORDS]


@functools.lru_cache(maxsize=1)
def _synonyms() -> tuple[list[tuple[tuple[str, ...], str, str]], frozenset[str]]:
    """(stemmed phrase, "need"|"stage", code), longest phrases first; ignored stems."""
    document = yaml.safe_load(SYNONYMS_FILE.read_text(encoding="utf-8"))
    entries = []
    for kind in ("needs", "stages"):
        for code, phrases in (document.get(kind) or {}).items():
            for phrase in phrases:
                stems = tuple(_stems(str(phrase)))
                if stems:
                    entries.append((stems, kind[:-1], code))
    entries.sort(key=lambda e: -len(e[0]))
    ignored = frozenset(s for word in document.get("ignored") or [] for s in _stems(str(word)))
    return entries, ignored


def understand(q: str) -> Understood:
    """Needs, a stage and search words from free text ("je cherche un financement
    pour industrialiser mon prototype" → needs finance and
    industrialise-prototype, stage industrialisation)."""
    originals = [w for w in search.words(q[: search.MAX_QUERY_LENGTH]) if w not in search.STOP_WORDS]
    tokens = [search.stem(w) for w in originals]
    entries, ignored = _synonyms()
    used = [False] * len(tokens)
    needs: list[str] = []
    stages: list[str] = []
    for phrase, kind, code in entries:
        n = len(phrase)
        for start in range(len(tokens) - n + 1):
            if tuple(tokens[start : start + n]) == phrase:
                target = needs if kind == "need" else stages
                if code not in target:
                    target.append(code)
                for i in range(start, start + n):
                    used[i] = True
    # A sub-need is more precise than its parent: keep the sub-need only.
    parents = dict(Need.objects.filter(code__in=needs, parent__isnull=False).values_list("code", "parent__code"))
    needs = [code for code in needs if code not in parents.values()]
    leftover, shown = [], []
    for original, token, was_used in zip(originals, tokens, used, strict=True):
        if not was_used and token not in ignored and token not in leftover:
            leftover.append(token)
            shown.append(original)
    return Understood(
        needs=needs,
        stage=stages[0] if stages else "",
        words=leftover[: search.MAX_TERMS],
        shown_words=shown[: search.MAX_TERMS],
    )


# --- The catalogue snapshot ------------------------------------------------------------------


@dataclass
class _Record:
    id: int
    name_key: str
    needs: frozenset[str]
    need_parents: frozenset[str]
    stages: frozenset[str]
    sectors: frozenset[str]
    communes: frozenset[str]
    max_age: int | None
    max_headcount: int | None
    calendar: str
    opens_on: datetime.date | None
    closes_on: datetime.date | None
    document: str
    # (day, state) of the last call_state(): a match asks it of every record, and
    # building a model instance each time cost more than the rest of the match.
    _state: tuple[datetime.date, str] | None = field(default=None, init=False, repr=False, compare=False)

    def call_state(self, today: datetime.date) -> str:
        cached = self._state  # one read, one write: safe without a lock across threads
        if cached is not None and cached[0] == today:
            return cached[1]
        state = Service(calendar=self.calendar, opens_on=self.opens_on, closes_on=self.closes_on).call_state(today)
        self._state = (today, state)
        return state


_snapshot_lock = threading.Lock()
_snapshot: tuple[tuple, list[_Record]] | None = None
# Labels of needs, stages, sectors and communes, per (catalogue version, language,
# minute): reference data rarely changes, and a process keeps what it read for
# LABELS_SECONDS at most (as the directory does for its facet labels).
LABELS_SECONDS = 60
_labels_cache: dict[tuple, _Labels] = {}


def _version() -> tuple:
    """Changes whenever a published service changes: every write path ends with
    ``services.service_reindex``, which stamps ``updated_at``."""
    row = Service.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return (row["n"], row["last"])


# The catalogue's version is read at most once a second per process; a write in
# this process (services.service_reindex) marks it stale so it is read again at once.
VERSION_SECONDS = 1.0
_version_read: tuple[float, tuple] | None = None


def catalogue_version() -> tuple:
    """The catalogue's current version (cache keys of finder results)."""
    return _current_version()


def mark_stale() -> None:
    global _version_read
    _version_read = None


def _current_version() -> tuple:
    global _version_read
    now = time.monotonic()
    read = _version_read
    if read is not None and now - read[0] < VERSION_SECONDS:
        return read[1]
    version = _version()
    _version_read = (now, version)
    return version


def _records() -> tuple[tuple, list[_Record]]:
    """(version, records) of the current catalogue."""
    global _snapshot
    version = _current_version()
    current = _snapshot
    if current is not None and current[0] == version:
        return current
    with _snapshot_lock:
        if _snapshot is not None and _snapshot[0] == version:
            return _snapshot
        _snapshot = (version, _load_records())
        return _snapshot


def reset() -> None:
    """Forget the snapshot and the labels (tests)."""
    global _snapshot, _services_key, _version_read
    _snapshot = None
    _version_read = None
    _choices_cache.clear()
    _labels_cache.clear()
    _services_cache.clear()
    _services_key = None
    from .selectors import _generalist

    _generalist.clear()


def _load_records() -> list[_Record]:
    qs = Service.objects.filter(status=PublicationStatus.PUBLISHED).only(
        "id",
        "name_key",
        "max_company_age_years",
        "max_headcount",
        "calendar",
        "opens_on",
        "closes_on",
        "search_document",
    )
    by_id = {s.id: s for s in qs}
    relations: dict[str, dict[int, set[str]]] = {k: {} for k in ("needs", "parents", "stages", "sectors", "communes")}

    def add(kind, service_id, value):
        if value:
            relations[kind].setdefault(service_id, set()).add(value)

    for service_id, code, parent in Service.needs.through.objects.filter(service_id__in=by_id).values_list(
        "service_id", "need__code", "need__parent__code"
    ):
        add("needs", service_id, code)
        add("parents", service_id, parent)
    for service_id, code in Service.stages.through.objects.filter(service_id__in=by_id).values_list(
        "service_id", "stage__code"
    ):
        add("stages", service_id, code)
    for service_id, slug in Service.sectors.through.objects.filter(service_id__in=by_id).values_list(
        "service_id", "sector__slug"
    ):
        add("sectors", service_id, slug)
    for service_id, insee in Service.providers.through.objects.filter(service_id__in=by_id).values_list(
        "service_id", "organization__commune__insee_code"
    ):
        add("communes", service_id, insee)
    return [
        _Record(
            id=s.id,
            name_key=s.name_key,
            needs=frozenset(relations["needs"].get(s.id, ())),
            need_parents=frozenset(relations["parents"].get(s.id, ())),
            stages=frozenset(relations["stages"].get(s.id, ())),
            sectors=frozenset(relations["sectors"].get(s.id, ())),
            communes=frozenset(relations["communes"].get(s.id, ())),
            max_age=s.max_company_age_years,
            max_headcount=s.max_headcount,
            calendar=s.calendar,
            opens_on=s.opens_on,
            closes_on=s.closes_on,
            document=s.search_document,
        )
        for s in by_id.values()
    ]


# --- Matching ----------------------------------------------------------------------------


@dataclass
class _Labels:
    needs: dict[str, str]
    parents: dict[str, str | None]
    stages: dict[str, str]
    sectors: dict[str, str]
    communes: dict[str, str]


def _labels(version: tuple) -> _Labels:
    minute = int(time.monotonic() // LABELS_SECONDS)
    key = (version, minute, get_language())
    labels = _labels_cache.get(key)
    if labels is None:
        labels = _read_labels()
        for old in [k for k in list(_labels_cache) if k[:2] != (version, minute)]:
            _labels_cache.pop(old, None)  # older versions and minutes
        _labels_cache[key] = labels
    return labels


@dataclass(frozen=True)
class Choice:
    code: str
    name: str
    is_active: bool = True


@dataclass(frozen=True)
class FormChoices:
    """What the finder's form offers, read once per catalogue version, language and
    minute (like the labels): needs grouped under their parent, stages, sectors,
    communes."""

    needs: tuple  # ((parent Choice, (child Choice, …)), …), active only, in order
    all_needs: tuple  # every need code with its name, retired ones included
    stages: tuple
    sectors: tuple
    communes: tuple


_choices_cache: dict[tuple, FormChoices] = {}


def form_choices() -> FormChoices:
    version = _current_version()
    key = (version, int(time.monotonic() // LABELS_SECONDS), get_language())
    choices = _choices_cache.get(key)
    if choices is None:
        choices = _read_form_choices()
        for old in [k for k in list(_choices_cache) if k[:2] != key[:2]]:
            _choices_cache.pop(old, None)
        _choices_cache[key] = choices
    return choices


def _read_form_choices() -> FormChoices:
    from helice.core.models import Commune, Sector

    needs = list(Need.objects.order_by("position", "code"))
    parents = [n for n in needs if n.parent_id is None and n.is_active]
    grouped = tuple(
        (
            Choice(p.code, p.name),
            tuple(Choice(c.code, c.name) for c in needs if c.parent_id == p.pk and c.is_active),
        )
        for p in parents
    )
    return FormChoices(
        needs=grouped,
        all_needs=tuple(Choice(n.code, n.name, n.is_active) for n in needs),
        stages=tuple(Choice(st.code, st.name, st.is_active) for st in Stage.objects.order_by("position")),
        sectors=tuple(Choice(sec.slug, sec.name) for sec in Sector.objects.all()),
        communes=tuple(Choice(c.insee_code, c.name, c.is_active) for c in Commune.objects.all()),
    )


def _read_labels() -> _Labels:
    from helice.core.models import Commune, Sector

    needs = list(Need.objects.select_related("parent"))
    return _Labels(
        needs={n.code: n.name for n in needs},
        parents={n.code: n.parent.code if n.parent else None for n in needs},
        stages={s.code: s.name for s in Stage.objects.all()},
        sectors={s.slug: s.name for s in Sector.objects.all()},
        communes={c.insee_code: c.name for c in Commune.objects.all()},
    )


def _need_points(record: _Record, requested: list[str], labels: _Labels, explain: bool = True) -> tuple[int, list[str]]:
    best, matched = 0, []
    for code in requested:
        if code in record.needs:
            points = NEED_EXACT
        elif code in record.need_parents:  # a requested need, the service answers one of its sub-needs
            points = NEED_CHILD_OF_REQUESTED
        elif labels.parents.get(code) and labels.parents[code] in record.needs:
            points = NEED_PARENT_OF_REQUESTED
        else:
            continue
        best = max(best, points)
        matched.append(code)
    if not matched:
        return 0, []
    score = best + NEED_EACH_MORE * (len(matched) - 1)
    if not explain:
        return score, []
    return score, [_("Answers your need “%(need)s”") % {"need": labels.needs.get(c, c)} for c in matched]


def _check(
    record: _Record,
    criteria: Criteria,
    words: list[str],
    labels: _Labels,
    today,
    skip: str = "",
    shown=None,
    explain: bool = True,
):
    """(excluding criterion, None) or (None, (score, reasons, call state)).
    ``shown`` maps the search words (stems) to the words as the person typed them.
    With ``explain`` false the reasons are left empty (same score, same state):
    only the results shown need them."""
    shown = shown or {}
    score, reasons = 0, []
    if criteria.needs and skip != "need":
        points, why = _need_points(record, criteria.needs, labels, explain)
        if not points:
            return "need", None
        score, reasons = score + points, reasons + why
    if criteria.stage and skip != "stage":
        if criteria.stage in record.stages:
            score += STAGE_EXPLICIT
            if explain:
                reasons.append(_("Meant for the stage “%(stage)s”") % {"stage": labels.stages.get(criteria.stage, "")})
        elif not record.stages:
            score += STAGE_ANY
            if explain:
                reasons.append(_("Open at every stage"))
        else:
            return "stage", None
    if criteria.sector and skip != "sector":
        if criteria.sector in record.sectors:
            score += SECTOR_EXPLICIT
            if explain:
                reasons.append(
                    _("Meant for the sector “%(sector)s”") % {"sector": labels.sectors.get(criteria.sector, "")}
                )
        elif not record.sectors:
            score += SECTOR_ANY
            if explain:
                reasons.append(_("Open to every sector"))
        else:
            return "sector", None
    if criteria.size is not None and record.max_headcount is not None and skip != "size":
        if criteria.size > record.max_headcount:
            return "size", None
        score += LIMIT_FITS
        if explain:
            reasons.append(_("Your headcount is within its limit (%(n)d)") % {"n": record.max_headcount})
    if criteria.age is not None and record.max_age is not None and skip != "age":
        if criteria.age > record.max_age:
            return "age", None
        score += LIMIT_FITS
        if explain:
            reasons.append(_("Your company's age is within its limit (%(n)d years)") % {"n": record.max_age})
    if words and skip != "text":
        found = [shown.get(w, w) for w in words if f" {w}" in record.document]
        if not found and not (criteria.needs or criteria.stage or criteria.sector):
            return "text", None  # the text is the only criterion: it must match
        if found:
            score += min(TEXT_MAX, TEXT_TERM * len(found))
            if explain:
                reasons.append(_("Mentions: %(words)s") % {"words": ", ".join(found)})
    if criteria.commune and criteria.commune in record.communes:
        score += NEAR_YOU
        if explain:
            reasons.append(
                _("Offered by an organisation in %(commune)s") % {"commune": labels.communes[criteria.commune]}
            )
    state = record.call_state(today)
    if state == CallState.OPEN and explain:
        reasons.append(_("Call open now"))
    return None, (score, reasons, state)


def _run(records, criteria, words, labels, today, skip="", shown=None, explain_first=MAX_RESULTS):
    """Every record checked; the matches in order, only the first ``explain_first``
    with their reasons (the others are counted, never shown)."""
    matches, excluded, kept = [], {}, {}
    for record in records:
        reason, result = _check(record, criteria, words, labels, today, skip, shown, explain=False)
        if reason:
            excluded[reason] = excluded.get(reason, 0) + 1
            continue
        score, reasons, state = result
        order = (-score, CALENDAR_ORDER.get(state, 9), record.name_key, record.id)
        matches.append(Match(record.id, score, reasons, order))
        kept[record.id] = record
    matches.sort(key=lambda m: m.order)
    for m in matches[:explain_first]:
        _reason, (_score, m.reasons, _state) = _check(kept[m.service_id], criteria, words, labels, today, skip, shown)
    return matches, excluded


def resolve(criteria: Criteria) -> tuple[Criteria, Understood]:
    """The criteria actually used: what the person chose, completed by what the
    free text was understood to mean where they chose nothing (their choices win)."""
    understood = understand(criteria.q) if criteria.q else Understood()
    used = Criteria(
        needs=criteria.needs or understood.needs,
        stage=criteria.stage or understood.stage,
        sector=criteria.sector,
        commune=criteria.commune,
        size=criteria.size,
        age=criteria.age,
        q=criteria.q,
    )
    return used, understood


def match(criteria: Criteria, *, today: datetime.date | None = None, limit: int = MAX_RESULTS) -> MatchResult:
    today = today or timezone.localdate()
    used, understood = resolve(criteria)
    version, records = _records()
    labels = _labels(version)
    open_records = []
    closed = 0
    for record in records:
        if record.call_state(today) == CallState.CLOSED:
            closed += 1
        else:
            open_records.append(record)
    words = understood.words
    shown = dict(zip(understood.words, understood.shown_words, strict=True))
    matches, excluded = _run(open_records, used, words, labels, today, shown=shown, explain_first=limit)
    result = MatchResult(
        criteria=used,
        understood=understood,
        matches=matches[:limit],
        total=len(matches),
        excluded_by=excluded,
        closed_calls=closed,
    )
    if not matches and not used.is_empty:
        # Never a dead end: what each criterion excluded, and the nearest services.
        active = [c for c in CRITERIA if _is_active(used, words, c)]
        for criterion in active:
            relaxed, _excluded = _run(
                open_records, used, words, labels, today, skip=criterion, shown=shown, explain_first=NEAREST
            )
            result.would_match_without[criterion] = len(relaxed)
            if relaxed and (not result.nearest or len(relaxed) > len(result.nearest)):
                result.nearest, result.relaxed = relaxed[:NEAREST], criterion
    _attach_services(result.matches + result.nearest, version)
    return result


def match_among(
    criteria: Criteria, service_ids, *, today: datetime.date | None = None, limit: int = MAX_RESULTS
) -> tuple[list[Match], int]:
    """The matches of ``criteria`` among these services only (an alert's new
    services), by the same rules and in the same order as :func:`match`: closed
    calls and unpublished services are left out. Returns the first ``limit``
    matches, with their reasons and services, and the number of matches."""
    today = today or timezone.localdate()
    ids = set(service_ids)
    if not ids:
        return [], 0
    used, understood = resolve(criteria)
    version, records = _records()
    candidates = [r for r in records if r.id in ids and r.call_state(today) != CallState.CLOSED]
    if not candidates:
        return [], 0
    labels = _labels(version)
    shown = dict(zip(understood.words, understood.shown_words, strict=True))
    matches, _excluded = _run(candidates, used, understood.words, labels, today, shown=shown, explain_first=limit)
    _attach_services(matches[:limit], version)
    return matches[:limit], len(matches)


def _is_active(criteria: Criteria, words: list[str], criterion: str) -> bool:
    return {
        "need": bool(criteria.needs),
        "stage": bool(criteria.stage),
        "sector": bool(criteria.sector),
        "size": criteria.size is not None,
        "age": criteria.age is not None,
        "text": bool(words),
    }[criterion]


# The services shown (with their providers, stages and needs), per (catalogue
# version, minute): the same few hundred services fill most result pages, and
# reading them cost more than the match. A change to a service changes the
# version; a change to a provider alone shows within LABELS_SECONDS.
_services_cache: dict[int, Service] = {}
_services_key: tuple | None = None


def _attach_services(matches: list[Match], version: tuple | None = None) -> None:
    global _services_key
    key = (version, int(time.monotonic() // LABELS_SECONDS)) if version is not None else None
    cache = _services_cache
    if key is None or key != _services_key:
        cache.clear()
        _services_key = key
    ids = [m.service_id for m in matches if m.service_id not in cache]
    if ids:
        services = Service.objects.filter(pk__in=ids).prefetch_related("providers__commune", "stages", "needs")
        for s in services:
            cache[s.pk] = s
    for m in matches:
        m.service = cache.get(m.service_id)
    if key is None:
        cache.clear()
