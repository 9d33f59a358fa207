"""Public API of participation: the consultations, a consultation's proposals with
their opinion counts (the HTML list's filters, sorts and pages, through the same
form and selector), and a proposal with its opinions by category and its comments.

Counts come from the proposals' counters, which the services keep equal to the
stored opinions and visible comments. Only published (or archived) consultations
and public proposals exist here: anything else is a 404. A hidden comment keeps
its place, date and the reason shown for hiding it, without its text or author.
Dates are ISO 8601."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from helice.core.pagination import PageError, get_page

from . import list_cache, selectors, services
from .forms import ProposalFilterForm
from .models import Consultation, Phase, Proposal

router = Router(tags=["participation"])
MAX_PAGE_SIZE = 100
STATE_HELP = (
    "published (open for opinions), evaluating, accepted, rejected or already_done. "
    "Ideas awaiting moderation and hidden ones are never public."
)
SORT_HELP = (
    "random (default: a stable shuffle, see seed), supported (most agree), "
    "debated (most comments, then most opinions) or newest."
)


class ErrorOut(Schema):
    detail: str = Field(description="A human-readable explanation, in the requested language.")


class ConsultationOut(Schema):
    slug: str
    title: str
    summary: str
    description: str = Field(description="Plain text or simple formatting, as written.")
    status: str = Field(description="published or archived.")
    phase: str = Field(description="announced, open, analysis or results.")
    phase_label: str
    announced_on: datetime.date | None
    opens_on: datetime.date | None
    closes_on: datetime.date | None = Field(description="Last day on which contributions are taken.")
    results_on: datetime.date | None
    objectives: list[str] = Field(description="Codes of the plan's objectives it covers.")
    eligible_categories: list[str] = Field(
        description="Participant categories allowed to take part; empty: every verified account."
    )
    questions: list[str] = Field(description="Open questions inviting ideas, in the requested language.")
    ideas_allowed: bool
    proposals: int = Field(description="Number of public proposals.")
    url: str
    results_url: str
    proposals_url: str = Field(description="This API's list of its proposals.")


class ConsultationPage(Schema):
    count: int
    items: list[ConsultationOut]


class ObjectiveRef(Schema):
    code: str
    title: str


class ProposalItem(Schema):
    reference: str = Field(description="Code of a workshop proposal in the plan, if any.")
    slug: str
    title: str
    origin: str = Field(description="official (a workshop proposal) or idea (from a participant).")
    state: str = Field(description=STATE_HELP)
    state_label: str
    objective: ObjectiveRef | None
    agree: int
    mixed: int
    disagree: int
    opinions: int = Field(description="agree + mixed + disagree.")
    comments: int = Field(description="Published comments (hidden ones are not counted).")
    published_at: datetime.datetime | None
    url: str


class ProposalPage(Schema):
    count: int
    page: int
    page_size: int
    sort: str
    seed: int | None = Field(description="The seed of the random order: pass it back to get the same order.")
    items: list[ProposalItem]


class ProposalQuery(Schema):
    q: str = Field("", description="Words to find in the title, text, reference or objective.")
    objective: str = Field("", description="Code of one of the consultation's objectives.")
    state: str = Field("", description=STATE_HELP)
    origin: str = Field("", description="official or idea.")
    sort: str = Field("", description=SORT_HELP)
    seed: str = Field("", description="With sort=random: a whole number from 1 that fixes the order.")
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class ActionRef(Schema):
    code: str
    title: str
    status: str = Field(description="planned, in_progress, done or suspended.")
    status_label: str
    progress: int = Field(description="Per cent.")
    url: str


class CategoryOut(Schema):
    category: str = Field(description="citizen, student, researcher, company, institution, or empty: not stated.")
    label: str
    agree: int
    mixed: int
    disagree: int
    total: int


class CommentOut(Schema):
    id: int
    in_reply_to: int | None = Field(description="The id of the comment it answers.")
    author: str | None = Field(
        description="The public display name the author chose; null without one, for a deleted account or when hidden."
    )
    official: bool = Field(description="An official answer of the metropolis.")
    stance: str = Field(description="for, against, neutral or none.")
    text: str | None = Field(description="Null when the comment is hidden by moderation.")
    written_at: datetime.datetime
    edited_at: datetime.datetime | None
    hidden: bool
    hidden_reason: str = Field(description="The reason shown in place of a hidden comment.")
    example: bool = Field(description="Demonstration content.")


class CommentPage(Schema):
    count: int = Field(description="Every comment, hidden ones included (they keep their place).")
    page: int
    page_size: int
    items: list[CommentOut]


class ProposalDetail(ProposalItem):
    consultation: str
    body: str = Field(description="Plain text or simple formatting, as written.")
    answer: str = Field(description="The public answer of the metropolis, if any.")
    answered_at: datetime.datetime | None
    action: ActionRef | None = Field(description="The plan action it became, once accepted.")
    by_category: list[CategoryOut] = Field(description="Opinions by the category declared when they were given.")
    comment_list: CommentPage = Field(description="Its comments, oldest first, paginated with comments_page.")


class ProposalDetailQuery(Schema):
    comments_page: int = Field(1, ge=1)
    comments_page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


def _consultation(slug: str) -> Consultation:
    consultation = selectors.consultation_by_slug(slug)
    if consultation is None:
        raise HttpError(404, _("No published consultation has this address."))
    return consultation


def _page(queryset, number: int, size: int):
    try:
        return get_page(queryset, str(number), size)
    except PageError as exc:
        raise HttpError(exc.status, exc.message) from None


def _consultation_out(request: HttpRequest, c: Consultation, proposals: int) -> dict:
    return {
        "slug": c.slug,
        "title": c.title,
        "summary": c.summary,
        "description": c.description,
        "status": c.status,
        "phase": c.phase,
        "phase_label": str(Phase(c.phase).label),
        "announced_on": c.announced_on,
        "opens_on": c.opens_on,
        "closes_on": c.closes_on,
        "results_on": c.results_on,
        "objectives": [o.code for o in c.objectives.all()],
        "eligible_categories": list(c.eligible_categories or []),
        "questions": c.question_texts,
        "ideas_allowed": c.ideas_allowed,
        "proposals": proposals,
        "url": request.build_absolute_uri(c.get_absolute_url()),
        "results_url": request.build_absolute_uri(reverse("participation:results", kwargs={"slug": c.slug})),
        "proposals_url": request.build_absolute_uri(reverse("api-v1:participation_proposals", kwargs={"slug": c.slug})),
    }


def _proposal_item(request: HttpRequest, p: Proposal) -> dict:
    return {
        "reference": p.reference,
        "slug": p.slug,
        "title": p.title,
        "origin": p.origin,
        "state": p.state,
        "state_label": p.get_state_display(),
        "objective": {"code": p.objective.code, "title": p.objective.title} if p.objective else None,
        "agree": p.agree_count,
        "mixed": p.mixed_count,
        "disagree": p.disagree_count,
        "opinions": p.opinion_count,
        "comments": p.comment_count,
        "published_at": p.published_at,
        "url": request.build_absolute_uri(p.get_absolute_url()),
    }


@router.get(
    "/consultations",
    response={200: ConsultationPage, 400: ErrorOut, 404: ErrorOut},
    summary="Published consultations",
    url_name="participation_consultations",
)
def consultation_list(request: HttpRequest, page: int = Query(1, ge=1), page_size: int = Query(20, ge=1, le=100)):
    """Published consultations first, then archived ones; the latest opened first."""
    result = _page(selectors.consultations_visible().prefetch_related("objectives"), page, page_size)
    return {
        "count": result.paginator.count,
        "items": [_consultation_out(request, c, c.proposal_total) for c in result.object_list],
    }


@router.get(
    "/consultations/{slug}",
    response={200: ConsultationOut, 404: ErrorOut},
    summary="One consultation",
    url_name="participation_consultation",
)
def consultation_detail(request: HttpRequest, slug: str):
    """A published or archived consultation: its phase, dates, objectives and questions."""
    consultation = _consultation(slug)
    return _consultation_out(request, consultation, consultation.proposals.public().count())


@router.get(
    "/consultations/{slug}/proposals",
    response={200: ProposalPage, 400: ErrorOut, 404: ErrorOut},
    summary="A consultation's proposals with their opinion counts",
    url_name="participation_proposals",
)
def proposal_list(request: HttpRequest, slug: str, filters: Query[ProposalQuery]):
    """The public proposals with the list page's filters and sorts (q, objective,
    state, origin, sort, seed), paginated. A bad value answers 400 with the reason."""
    consultation = _consultation(slug)
    raw = filters.dict()
    form = ProposalFilterForm(
        {k: raw[k] for k in ("q", "objective", "state", "origin", "sort", "seed")},
        objectives=services.consultation_objectives(consultation),
    )
    if not form.is_valid():
        detail = " ".join(
            _("Invalid value for “%(param)s”: %(message)s") % {"param": name, "message": " ".join(errors)}
            for name, errors in form.errors.items()
        )
        raise HttpError(400, detail)
    chosen = form.to_filters()
    # The page is kept as the list page's results are (list_cache.py): nothing personal
    # in it; the addresses are absolute, so the host is in the key. A random order whose
    # seed the server has just drawn is seen once: not cached.
    cache_key = None
    if chosen.sort != "random" or form.cleaned_data.get("seed"):
        params = {k: getattr(chosen, k) for k in ("q", "objective", "state", "origin", "sort")}
        params["seed"] = chosen.seed if chosen.sort == "random" else ""
        params.update(page=filters.page, page_size=filters.page_size, origin_url=request.build_absolute_uri("/"))
        cache_key = list_cache.key("api", consultation, params)
        cached = list_cache.get(cache_key)
        if cached is not None:
            return cached
    result = _page(selectors.proposal_search(consultation, chosen), filters.page, filters.page_size)
    answer = {
        "count": result.paginator.count,
        "page": result.number,
        "page_size": filters.page_size,
        "sort": chosen.sort,
        "seed": chosen.seed if chosen.sort == "random" else None,
        "items": [_proposal_item(request, p) for p in result.object_list],
    }
    if cache_key:
        list_cache.put(cache_key, answer)
    return answer


@router.get(
    "/consultations/{slug}/proposals/{proposal}",
    response={200: ProposalDetail, 400: ErrorOut, 404: ErrorOut},
    summary="A proposal with its opinions by category and its comments",
    url_name="participation_proposal",
)
def proposal_detail(request: HttpRequest, slug: str, proposal: str, params: Query[ProposalDetailQuery]):
    """A public proposal: text, state, answer, the action it became, opinion counts
    overall and by category, and its comments (paginated; hidden ones without text)."""
    consultation = _consultation(slug)
    found = selectors.proposal_for(consultation, proposal, user=None)
    if found is None:
        raise HttpError(404, _("No public proposal of this consultation has this address."))
    comments = _page(
        found.comments.select_related("author").order_by("created_at", "pk"),
        params.comments_page,
        params.comments_page_size,
    )
    action = found.action
    data = _proposal_item(request, found)
    data.update(
        consultation=consultation.slug,
        body=found.body,
        answer=found.answer,
        answered_at=found.answered_at,
        action={
            "code": action.code,
            "title": action.title,
            "status": action.status,
            "status_label": action.get_status_display(),
            "progress": action.progress,
            "url": request.build_absolute_uri(action.get_absolute_url()),
        }
        if action
        else None,
        by_category=[
            {
                "category": row.category,
                "label": row.label,
                **{share.value: share.count for share in row.shares},
                "total": row.total,
            }
            for row in selectors.opinions_by_category(found)
        ],
        comment_list={
            "count": comments.paginator.count,
            "page": comments.number,
            "page_size": params.comments_page_size,
            "items": [_comment(c) for c in comments.object_list],
        },
    )
    return data


def _comment(c) -> dict:
    hidden = c.hidden_at is not None
    author = c.author
    public_name = author.display_name if author is not None and not author.deleted_at else ""
    return {
        "id": c.pk,
        "in_reply_to": c.parent_id,
        "author": None if hidden or not public_name else public_name,
        "official": c.is_official,
        "stance": c.stance,
        "text": None if hidden else c.body,
        "written_at": c.created_at,
        "edited_at": c.edited_at,
        "hidden": hidden,
        "hidden_reason": c.hidden_reason if hidden else "",
        "example": c.is_example,
    }
