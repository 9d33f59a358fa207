"""``/api/v1/guichet/match``: the finder's ranking as JSON, with the same
criteria as the page (query parameters) and the same order."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from . import matching, selectors
from .forms import FinderForm
from .views import RESULTS_CACHE_SECONDS, finder_cache_key

router = Router(tags=["guichet"])


class ProviderRef(Schema):
    slug: str
    name: str


class ServiceRef(Schema):
    slug: str
    name: str
    kind: str
    kind_label: str
    availability: str
    url: str


class MatchItem(Schema):
    service: ServiceRef
    providers: list[ProviderRef]
    score: int = Field(description="Points of the ranking rules (docs/guichet.md); higher fits better.")
    reasons: list[str] = Field(description="Why the service fits, in the requested language.")


class UnderstoodOut(Schema):
    needs: list[str] = Field(description="Need codes understood from the free text.")
    stage: str = Field(description="Stage code understood from the free text, or empty.")
    words: list[str] = Field(description="Words of the free text used as search words.")


class CriteriaOut(Schema):
    needs: list[str]
    stage: str
    sector: str
    commune: str
    size: int | None
    age: int | None
    q: str


class MatchOut(Schema):
    criteria: CriteriaOut = Field(description="The criteria used: the parameters, completed by the understood text.")
    understood: UnderstoodOut
    count: int
    items: list[MatchItem]
    excluded_by: dict[str, int] = Field(
        description="Services each criterion excluded (need, stage, sector, size, age, text)."
    )
    closed_calls: int = Field(description="Calls for projects left out because they are closed.")
    would_match_without: dict[str, int] = Field(
        description="When nothing fits: services that would fit without each criterion."
    )
    nearest: list[MatchItem] = Field(description="When nothing fits: the nearest services, leaving out one criterion.")
    relaxed: str = Field(description="The criterion left out for the nearest services.")
    generalist: ProviderRef | None = Field(description="The organisation that directs people when unsure.")


class MatchQuery(Schema):
    q: str = Field("", description="Free text, e.g. “je cherche un financement pour industrialiser mon prototype”.")
    need: list[str] = Field([], description="Need or sub-need codes (repeat the parameter).")
    stage: str = Field("", description="Company stage code.")
    sector: str = Field("", description="Sector slug.")
    commune: str = Field("", description="INSEE code of the company's commune.")
    size: int | None = Field(None, ge=0, le=1_000_000, description="Headcount.")
    age: int | None = Field(None, ge=0, le=300, description="Age of the company in years.")


def _item(m: matching.Match, request: HttpRequest) -> dict:
    s = m.service
    return {
        "service": {
            "slug": s.slug,
            "name": s.display_name,
            "kind": s.kind,
            "kind_label": s.get_kind_display(),
            "availability": s.call_state(),
            "url": request.build_absolute_uri(s.get_absolute_url()),
        },
        "providers": [{"slug": o.slug, "name": o.name} for o in s.providers.all()],
        "score": m.score,
        "reasons": m.reasons,
    }


@router.get("/match", response=MatchOut, summary="Services that fit a situation, ranked, with reasons")
def match(request, params: Query[MatchQuery]):
    raw = params.dict()
    data = {
        name: "" if raw[name] is None else str(raw[name]) for name in ("q", "stage", "sector", "commune", "size", "age")
    }
    data["need"] = raw["need"]
    form = FinderForm(data)
    if not form.is_valid():
        raise HttpError(400, form.error_text())
    key = finder_cache_key(f"api:{request.get_host()}", request)  # absolute URLs depend on the host
    answer = cache.get(key)
    if answer is None:
        answer = _answer(request, form)
        cache.set(key, answer, RESULTS_CACHE_SECONDS)
    return answer


def _answer(request, form) -> dict:
    result = matching.match(form.to_criteria())
    c = result.criteria
    generalist = selectors.generalist_contact()
    return {
        "criteria": {
            "needs": c.needs,
            "stage": c.stage,
            "sector": c.sector,
            "commune": c.commune,
            "size": c.size,
            "age": c.age,
            "q": c.q,
        },
        "understood": {
            "needs": result.understood.needs,
            "stage": result.understood.stage,
            "words": result.understood.shown_words,
        },
        "count": result.total,
        "items": [_item(m, request) for m in result.matches],
        "excluded_by": result.excluded_by,
        "closed_calls": result.closed_calls,
        "would_match_without": result.would_match_without,
        "nearest": [_item(m, request) for m in result.nearest],
        "relaxed": result.relaxed,
        "generalist": {"slug": generalist.slug, "name": generalist.name} if generalist else None,
    }
