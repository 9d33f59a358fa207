"""Participation pages: the consultations, a consultation with its proposals
(filters, search, sorts and page in the address), a proposal with its opinions,
the opinion form (htmx fragment, or a redirect without JavaScript), the idea
form, and the staff's state change and answer on the proposal page."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from helice.core import ratelimit
from helice.core.pagination import PageError, get_page, parse_page_number

from . import jsonld, list_cache, notifications, selectors, services
from .forms import SORT_LABELS, AnswerForm, IdeaForm, OpinionForm, ProposalFilterForm, TransitionForm
from .models import Phase
from .rules import refusal
from .templatetags.participation import opinion_marks

PER_PAGE = 20
IDEA_RATE = "5/h/user"
OPINION_RATE = "120/m/user"


def _consultation(slug: str):
    consultation = selectors.consultation_by_slug(slug)
    if consultation is None:
        raise Http404(_("No consultation has this address."))
    return consultation


def _proposal(consultation, slug: str, user):
    proposal = selectors.proposal_for(consultation, slug, user)
    if proposal is None:
        raise Http404(_("No proposal has this address."))
    proposal.consultation = consultation
    return proposal


@require_GET
def consultation_list(request):
    consultations = selectors.consultations_visible()
    try:
        page = get_page(consultations, request.GET.get("page"), PER_PAGE)
    except PageError as exc:
        return render(request, "participation/consultation_list.html", {"error": exc.message}, status=exc.status)
    return render(request, "participation/consultation_list.html", {"page": page, "Phase": Phase})


def _phases(consultation) -> list[dict]:
    current = consultation.phase
    dates = {
        Phase.ANNOUNCED: consultation.announced_on,
        Phase.OPEN: consultation.opens_on,
        Phase.ANALYSIS: consultation.closes_on,
        Phase.RESULTS: consultation.results_on,
    }
    return [
        {"value": value, "label": label, "date": dates[value], "current": value == current}
        for value, label in Phase.choices
    ]


@require_GET
@vary_on_headers("HX-Request")
def consultation_detail(request, slug):
    consultation = _consultation(slug)
    intro = _intro(consultation)
    form = ProposalFilterForm(request.GET, objectives=[ObjectiveChoice(*o) for o in intro["objectives"]])
    context = {
        "consultation": consultation,
        "intro_html": mark_safe(intro["html"]),  # noqa: S308 - rendered by our template (_intro)
        "form": form,
        "sort_labels": SORT_LABELS,
        "refusal": refusal(request.user, consultation),
        "can_suggest": consultation.ideas_allowed and request.user.has_perm("participation.suggest_idea", consultation),
        "my_ideas": list(selectors.ideas_awaiting(consultation, request.user)),
        "jsonld": jsonld.consultation(consultation, request),
    }
    htmx = bool(request.headers.get("HX-Request"))
    status, number, keys = 200, None, {}
    if not form.is_valid():
        context["error"], status = form.error_text(), 400
    else:
        filters = form.to_filters()
        query = {k: v for k, v in _filter_query(filters).items() if v}
        context.update(
            filters=filters,
            query=urlencode(query),
            filtered=any(query.get(k) for k in ("q", "objective", "state", "origin")),
        )
        try:
            number = parse_page_number(request.GET.get("page"))
        except PageError as exc:
            context["error"], status = exc.message, exc.status
        # A random order whose seed the server has just drawn is seen once: not cached.
        if filters.sort != "random" or form.cleaned_data.get("seed"):
            keys = _cache_keys(request, consultation, query, number, htmx)
    cached = list_cache.get_many(keys)  # the results and the filter form, one round trip
    fresh = {}
    parts = cached.get("results")
    if parts is None:
        if number is not None:
            try:
                context["page"] = get_page(selectors.proposal_search(consultation, filters), str(number), PER_PAGE)
            except PageError as exc:
                context["error"], status = exc.message, exc.status
        parts = _results_parts(context)
        if status == 200 and "results" in keys:  # errors are not kept
            fresh[keys["results"]] = parts
    # The person's own marks, from their own query, outside the cache.
    marks = opinion_marks(selectors.opinions_on(request.user, list_cache.ids(parts)))
    context["results"] = list_cache.join(parts, marks)
    if htmx:
        list_cache.put_many(fresh)
        response = HttpResponse(context["results"], status=status)
        if "query" in context:  # the address shown keeps the seed the server chose
            response["HX-Push-Url"] = f"{consultation.get_absolute_url()}?{context['query']}"
        return response
    filters_html = cached.get("filters")
    if filters_html is None:
        fragment = {k: context[k] for k in ("consultation", "form", "filters") if k in context}
        filters_html = str(render_to_string("participation/_proposal_filters.html", fragment))
        if "filters" in keys:
            fresh[keys["filters"]] = filters_html
    list_cache.put_many(fresh)
    context["filters_html"] = mark_safe(filters_html)  # noqa: S308 - rendered by the template above
    return render(request, "participation/consultation.html", context, status=status)


FILTER_PARAMS = ("q", "objective", "state", "origin", "sort", "seed")


class ObjectiveChoice(NamedTuple):
    """What the filter form needs of an objective."""

    code: str
    title: str


def _intro(consultation) -> dict:
    """The consultation's phases, description and objectives (HTML), and the
    objectives the filter form offers: nothing personal, the same for every visitor,
    kept in the list's short cache per consultation, last change, day (the current
    phase) and language; an objective renamed in the plan shows within its lifetime."""
    key = list_cache.key(
        "intro", consultation, {"updated": consultation.updated_at.isoformat(), "day": timezone.localdate()}
    )
    intro = list_cache.get(key)
    if intro is None:
        objectives = list(services.consultation_objectives(consultation))
        context = {"consultation": consultation, "phases": _phases(consultation), "objectives": objectives}
        intro = {
            "html": str(render_to_string("participation/_consultation_intro.html", context)),
            "objectives": [(o.code, str(o.title)) for o in objectives],
        }
        list_cache.put(key, intro)
    return intro


def _cache_keys(request, consultation, query: dict, number: int | None, htmx: bool) -> dict[str, str]:
    """The list's cache keys (list_cache.py): the results by the normalised query and
    page; the filter form (its selects, with every objective, were most of a cached
    page's time) by the values it shows as they were sent (not for htmx, which
    swaps the results only)."""
    keys = {}
    if number is not None:
        keys["results"] = list_cache.key("page", consultation, {**query, "page": number})
    if not htmx:
        keys["filters"] = list_cache.key("filters", consultation, {k: request.GET.get(k, "") for k in FILTER_PARAMS})
    return keys


RESULTS_KEYS = ("consultation", "error", "page", "filters", "query", "filtered", "sort_labels")


def _results_parts(context) -> list:
    """The results fragment (count, cards, pagination) rendered without the request
    (nothing personal in it: no user, no context processors), cut at the cards'
    "your opinion" slots (list_cache.py)."""
    fragment = {k: context[k] for k in RESULTS_KEYS if k in context}
    html = render_to_string("participation/_proposal_results.html", {**fragment, "my_opinions": list_cache.SLOTS})
    return list_cache.split(html)


def _filter_query(filters) -> dict:
    query = {"q": filters.q, "objective": filters.objective, "state": filters.state, "origin": filters.origin}
    query["sort"] = filters.sort
    if filters.sort == "random":
        query["seed"] = filters.seed
    return query


def _proposal_context(request, proposal) -> dict:
    consultation = proposal.consultation
    user = request.user
    context = {
        "consultation": consultation,
        "proposal": proposal,
        "shares": selectors.opinion_distribution(proposal),
        "by_category": selectors.opinions_by_category(proposal) if proposal.opinion_count else [],
        "my_opinion": selectors.opinions_of(user, [proposal]).get(proposal.pk),
        "refusal": refusal(user, consultation, proposal),
        "opinion_form": OpinionForm(),
    }
    return context


@require_GET
def proposal_detail(request, consultation, slug):
    consultation = _consultation(consultation)
    proposal = _proposal(consultation, slug, request.user)
    context = _proposal_context(request, proposal)
    user = request.user
    states = services.allowed_transitions(proposal, user) if user.is_authenticated else []
    context.update(
        jsonld=jsonld.proposal(proposal, request),
        transition_form=TransitionForm(states=states, initial={"action": proposal.action}) if states else None,
        answer_form=(
            AnswerForm(initial={"answer_fr": proposal.answer_fr, "answer_en": proposal.answer_en})
            if user.has_perm("participation.decide")
            else None
        ),
        history=list(selectors.history(proposal)[:20])
        if user.has_perm("participation.moderate") or user.has_perm("participation.decide")
        else [],
    )
    return render(request, "participation/proposal.html", context)


@require_POST
@vary_on_headers("HX-Request")
def opinion(request, consultation, slug):
    """Give, change or withdraw one's opinion. With htmx the opinion block is sent
    back (with a message in it); without, a redirect to the proposal's page."""
    htmx = bool(request.headers.get("HX-Request"))
    if htmx:  # the opinion block is rendered again: the whole proposal
        consultation = _consultation(consultation)
        proposal = _proposal(consultation, slug, request.user)
    else:  # a redirect: the columns the write needs and its consultation, in one query
        proposal = selectors.proposal_for_opinion_at(consultation, slug, request.user)
        if proposal is None:
            _consultation(consultation)  # a consultation that is not there says so
            raise Http404(_("No proposal has this address."))
        consultation = proposal.consultation
    if not request.user.is_authenticated and not htmx:
        return redirect_to_login(proposal.get_absolute_url())
    form = OpinionForm(request.POST)
    status, notice = 200, ""
    if not ratelimit.hit(request, "participation.opinion", rate=OPINION_RATE):
        return ratelimit.too_many_requests(request)
    if not form.is_valid():
        status, notice = 400, form.error_text()
    else:
        try:
            if form.cleaned_data["withdraw"]:
                done = services.opinion_withdraw(proposal=proposal, user=request.user)
                notice = _("Your opinion is withdrawn.") if done else _("You had given no opinion.")
            else:
                services.opinion_set(proposal=proposal, user=request.user, value=form.cleaned_data["value"])
                notice = _("Your opinion is recorded.")
        except PermissionDenied as exc:
            status, notice = 403, str(exc) or _("You may not give an opinion here.")
        except ValidationError as exc:
            status, notice = 400, " ".join(exc.messages)
    if htmx:
        context = _proposal_context(request, proposal)
        context["notice"], context["notice_is_error"] = notice, status != 200
        # htmx swaps only 2xx answers by default: the block with its error is a 200.
        return render(request, "participation/_opinion.html", context)
    if status != 200:
        proposal = _proposal(consultation, slug, request.user)
        context = _proposal_context(request, proposal)
        context.update(notice=notice, notice_is_error=True, jsonld=jsonld.proposal(proposal, request))
        return render(request, "participation/proposal.html", context, status=status)
    messages.success(request, notice)
    return HttpResponseRedirect(proposal.get_absolute_url() + "#opinion")


@require_http_methods(["GET", "POST"])
def idea_new(request, slug):
    consultation = _consultation(slug)
    if not consultation.ideas_allowed:
        raise Http404(_("This consultation does not take new ideas."))
    objectives = services.consultation_objectives(consultation)
    context = {"consultation": consultation, "refusal": refusal(request.user, consultation)}
    if context["refusal"]:
        status = 403 if request.method == "POST" else 200
        return render(request, "participation/idea_form.html", context, status=status)
    if request.method == "GET":
        context["form"] = IdeaForm(objectives=objectives, initial={"objective": request.GET.get("objective") or None})
        return render(request, "participation/idea_form.html", context)
    form = IdeaForm(request.POST, objectives=objectives)
    context["form"] = form
    if form.is_bot:
        # Answer as if it worked, keep nothing.
        messages.success(request, _("Thank you: your idea is recorded."))
        return HttpResponseRedirect(consultation.get_absolute_url())
    if not ratelimit.hit(request, "participation.idea", rate=IDEA_RATE):
        return ratelimit.too_many_requests(request)
    if not form.is_valid():
        return render(request, "participation/idea_form.html", context, status=400)
    try:
        proposal = services.idea_submit(
            consultation=consultation,
            author=request.user,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            objective=form.cleaned_data["objective"],
        )
    except PermissionDenied as exc:
        context["refusal"] = str(exc)
        return render(request, "participation/idea_form.html", context, status=403)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return render(request, "participation/idea_form.html", context, status=400)
    notifications.language_set(user=request.user, language=get_language())  # the idea's news in this language
    if proposal.is_public:
        messages.success(request, _("Thank you: your idea is published."))
    else:
        messages.success(
            request, _("Thank you: your idea is recorded. It will be published once a moderator has read it.")
        )
    return HttpResponseRedirect(proposal.get_absolute_url())


def _staff_post(request, consultation, slug):
    if not request.user.is_authenticated:
        return None, redirect_to_login(reverse("participation:consultation", kwargs={"slug": consultation}))
    consultation = _consultation(consultation)
    return _proposal(consultation, slug, request.user), None


@require_POST
def proposal_transition(request, consultation, slug):
    proposal, response = _staff_post(request, consultation, slug)
    if response:
        return response
    states = services.allowed_transitions(proposal, request.user)
    if not states:
        raise PermissionDenied(_("You may not change this proposal's state."))
    form = TransitionForm(request.POST, states=states)
    if form.is_valid():
        try:
            services.proposal_transition(
                proposal=proposal,
                to=form.cleaned_data["to"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                action=form.cleaned_data["action"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    if not form.is_valid():
        return _staff_form_error(request, proposal, transition_form=form)
    messages.success(request, _("The proposal's state is changed."))
    return HttpResponseRedirect(_after_staff(proposal))


@require_POST
def proposal_answer(request, consultation, slug):
    proposal, response = _staff_post(request, consultation, slug)
    if response:
        return response
    if not request.user.has_perm("participation.decide"):
        raise PermissionDenied(_("You may not answer proposals."))
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_answer(proposal=proposal, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    if not form.is_valid():
        return _staff_form_error(request, proposal, answer_form=form)
    messages.success(request, _("The answer is saved."))
    return HttpResponseRedirect(_after_staff(proposal))


def _after_staff(proposal) -> str:
    proposal.refresh_from_db(fields=["state"])
    return proposal.get_absolute_url() + "#staff"


def _staff_form_error(request, proposal, **forms):
    context = _proposal_context(request, proposal)
    states = services.allowed_transitions(proposal, request.user)
    context.update(
        jsonld=jsonld.proposal(proposal, request),
        transition_form=forms.get("transition_form") or (TransitionForm(states=states) if states else None),
        answer_form=forms.get("answer_form")
        or (
            AnswerForm(initial={"answer_fr": proposal.answer_fr})
            if request.user.has_perm("participation.decide")
            else None
        ),
        history=list(selectors.history(proposal)[:20]),
    )
    return render(request, "participation/proposal.html", context, status=400)
