"""The proposals list's short cache (list_cache.py): new, edited, moved and deleted
proposals show at once (the consultation's list version), opinion counts after the
cache's lifetime, the person's own marks never come from the cache, and each
language has its own pages."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import override_settings

from helice.accounts.tests.factories import UserFactory
from helice.participation import list_cache, services
from helice.participation.models import Consultation

from .factories import ConsultationFactory, ObjectiveFactory, OpinionFactory, ProposalFactory

pytestmark = pytest.mark.django_db

URL = "/concertation/innovation/"
SORTED = {"sort": "supported"}  # a random order without a seed is drawn anew, and not cached
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _locmem_cache(settings):
    """A process cache whatever CACHE_URL says, so that time can be moved."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lc"}}
    settings.PARTICIPATION_LIST_CACHE_SECONDS = 10
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def consultation():
    return ConsultationFactory(slug="innovation", postmoderated=True)


def _later(seconds):
    """The process cache's clock, ``seconds`` from now."""
    import time

    now = time.time()
    return mock.patch("django.core.cache.backends.locmem.time.time", return_value=now + seconds)


def _page(client, url=URL, data=None, **kwargs):
    response = client.get(url, SORTED if data is None else {**SORTED, **data}, **kwargs)
    assert response.status_code == 200
    return response.content.decode()


def test_opinion_counts_lag_at_most_the_cache_lifetime(client, consultation):
    proposal = ProposalFactory(consultation=consultation, title_fr="Un guichet unique")
    assert "0 d'accord" in _page(client)
    OpinionFactory(proposal=proposal, value="agree")
    assert "0 d'accord" in _page(client)  # from the cache: no version move for an opinion
    assert "0 d'accord" in _page(client, headers=HTMX)  # the htmx answer reads the same cache
    with _later(11):
        assert "1 d'accord" in _page(client)


@override_settings(PARTICIPATION_LIST_CACHE_SECONDS=0)
def test_no_cache_when_the_lifetime_is_zero(client, consultation):
    proposal = ProposalFactory(consultation=consultation)
    assert "0 d'accord" in _page(client)
    OpinionFactory(proposal=proposal, value="agree")
    assert "1 d'accord" in _page(client)
    assert not any(k for k in cache._cache if "participation:list" in k)


def test_new_idea_and_state_changes_show_at_once(client, consultation):
    ProposalFactory(consultation=consultation, title_fr="Un guichet unique")
    assert "1 proposition" in _page(client)
    author = UserFactory(verified=True)
    idea = services.idea_submit(
        consultation=consultation,
        author=author,
        title="Une maison des communs",
        body="Un lieu ouvert pour les associations et les habitants du quartier.",
    )
    html = _page(client)
    assert "2 propositions" in html and "Une maison des communs" in html
    moderator = UserFactory(moderator=True, verified=True)
    services.proposal_transition(proposal=idea, to="hidden", by=moderator, reason="Hors sujet.")
    html = _page(client)
    assert "Une maison des communs" not in html and "1 proposition" in html
    assert "Une maison des communs" not in _page(client, headers=HTMX)


def test_edits_and_deletions_show_at_once(client, consultation):
    proposal = ProposalFactory(consultation=consultation, title_fr="Un guichet unique")
    assert "Un guichet unique" in _page(client)
    proposal.title_fr = "Un guichet pour tous"
    proposal.save()  # as the admin or the territory's loading do
    assert "Un guichet pour tous" in _page(client)
    proposal.delete()
    assert "Aucune proposition" in _page(client)


def test_opinions_do_not_move_the_version(consultation):
    proposal = ProposalFactory(consultation=consultation)
    before = Consultation.objects.get(pk=consultation.pk).list_version
    user = UserFactory(verified=True)
    services.opinion_set(proposal=proposal, user=user, value="agree")
    services.opinion_set(proposal=proposal, user=user, value="mixed")
    services.opinion_withdraw(proposal=proposal, user=user)
    assert Consultation.objects.get(pk=consultation.pk).list_version == before
    services.proposal_reindex(proposal=proposal)  # the search document: filters may match differently
    assert Consultation.objects.get(pk=consultation.pk).list_version == before + 1


def test_own_marks_never_reach_someone_else(client, consultation):
    first, second = ProposalFactory.create_batch(2, consultation=consultation)
    alice, bob = UserFactory(verified=True), UserFactory(verified=True)
    OpinionFactory(proposal=first, user=alice, value="mixed")
    OpinionFactory(proposal=second, user=bob, value="agree")
    client.force_login(alice)  # Alice fills the cache
    html = _page(client)
    assert html.count("votre avis :") == 1 and "votre avis : mitigé" in html
    client.force_login(bob)  # Bob reads the same cached page: his mark only
    html = _page(client)
    assert html.count("votre avis :") == 1 and "votre avis : d&#x27;accord" in html
    html = _page(client, headers=HTMX)
    assert html.count("votre avis :") == 1 and "votre avis : d&#x27;accord" in html
    client.logout()
    html = _page(client)
    assert "votre avis :" not in html and "helice-mine" not in html
    assert any("participation:list:page" in k for k in cache._cache)


def test_own_mark_of_an_opinion_given_after_the_page_was_cached(client, consultation):
    proposal = ProposalFactory(consultation=consultation)
    carol = UserFactory(verified=True)
    client.force_login(carol)
    assert "votre avis :" not in _page(client)
    services.opinion_set(proposal=proposal, user=carol, value="disagree")
    # The count lags (the cache), the person's own mark does not (their own query).
    html = _page(client)
    assert "votre avis : pas d&#x27;accord" in html and "0 pas d'accord" in html


def test_languages_have_their_own_pages(client, consultation):
    ProposalFactory(consultation=consultation, title_fr="Un guichet unique", title_en="A one-stop shop")
    assert "Un guichet unique" in _page(client)
    english = _page(client, "/en" + URL)
    assert "A one-stop shop" in english and "0 agree" in english and "Un guichet unique" not in english
    assert "Un guichet unique" in _page(client)


def test_filters_sort_seed_and_page_have_their_own_pages(client, consultation):
    ProposalFactory(consultation=consultation, title_fr="Un guichet unique", state="evaluating")
    ProposalFactory(consultation=consultation, title_fr="Une maison des communs")
    assert "Un guichet unique" not in _page(client, data={"state": "published"})
    assert "Une maison des communs" not in _page(client, data={"state": "evaluating"})
    assert "Un guichet unique" in _page(client, data={"q": "guichet"})
    assert "Une maison" not in _page(client, data={"q": "guichet"})
    assert "Un guichet unique" in _page(client, data={"sort": "random", "seed": "7"})
    assert len([k for k in cache._cache if "participation:list:page" in k]) == 4
    assert client.get(URL, {"sort": "newest", "page": "2"}).status_code == 404  # errors are not cached
    assert client.get(URL, {"sort": "newest", "page": "x"}).status_code == 400
    assert client.get(URL, {"sort": "newest", "state": "nonsense"}).status_code == 400
    _page(client, data={"sort": ""})  # a random order whose seed the server draws: seen once, not cached
    assert len([k for k in cache._cache if "participation:list:page" in k]) == 4


def test_a_cached_page_makes_no_proposal_query(client, consultation, django_assert_num_queries):
    ProposalFactory.create_batch(3, consultation=consultation)
    _page(client)
    # The consultation only: its phases, description and objectives (the filter's
    # choices too), and the results' count and page come from the cache.
    with django_assert_num_queries(1):
        _page(client)


def test_the_intro_follows_an_edit_at_once_and_the_plan_within_the_lifetime(client, consultation, settings):
    settings.PARTICIPATION_LIST_CACHE_SECONDS = 10
    objective = ObjectiveFactory(code="1.1", title_fr="Soutenir les start-up")
    consultation.objectives.add(objective)
    consultation.save()
    html = _page(client)
    assert "1.1. Soutenir les start-up" in html
    consultation.description_fr = "Une description revue."
    consultation.save()  # an edit of the consultation: shown at once
    assert "Une description revue." in _page(client)
    type(objective).objects.filter(pk=objective.pk).update(title_fr="Accompagner les start-up")
    assert "Soutenir les start-up" in _page(client)  # the plan's wording: within the lifetime
    settings.PARTICIPATION_LIST_CACHE_SECONDS = 0
    html = _page(client)
    assert "Accompagner les start-up" in html and "Soutenir" not in html
    # The filter offers the cached objectives and refuses the others.
    assert client.get(consultation.get_absolute_url(), {"objective": "1.1"}).status_code == 200
    assert client.get(consultation.get_absolute_url(), {"objective": "9.9"}).status_code == 400


def test_slots_are_never_left_in_a_page(consultation):
    """A title cannot forge a slot: it is escaped before the page is cut."""
    ProposalFactory(consultation=consultation, title_fr="<helice-mine 1> piège")
    from django.test import Client

    html = _page(Client())
    assert "&lt;helice-mine 1&gt; piège" in html and "<helice-mine" not in html
    parts = list_cache.split("<p>a<helice-mine 12></p><helice-mine 3>")
    assert list_cache.ids(parts) == [12, 3]
    assert list_cache.join(parts, {3: "!"}) == "<p>a</p>!"


API = "/api/v1/participation/consultations/innovation/proposals"


def _api(client, **params):
    response = client.get(API, {"sort": "supported", **params})
    assert response.status_code == 200
    return response.json()


def test_api_page_is_cached_with_the_same_rules(client, consultation):
    proposal = ProposalFactory(consultation=consultation, title_fr="Un guichet unique", title_en="A one-stop shop")
    assert _api(client)["items"][0]["agree"] == 0
    OpinionFactory(proposal=proposal, value="agree")
    assert _api(client)["items"][0]["agree"] == 0  # the count lags
    assert _api(client, page_size=5)["items"][0]["agree"] == 1  # another page size, another page
    english = client.get(API, {"sort": "supported"}, headers={"Accept-Language": "en"}).json()
    assert english["items"][0]["title"] == "A one-stop shop"  # not the French page from the cache
    ProposalFactory(consultation=consultation, title_fr="Une maison des communs")  # the version moves
    assert _api(client)["count"] == 2
    with _later(11):
        assert _api(client)["items"][0]["agree"] == 1
    other_host = client.get(API, {"sort": "supported"}, HTTP_HOST="localhost").json()
    assert other_host["items"][0]["url"].startswith("http://localhost/")
    assert client.get(API, {"sort": "supported", "page": 9}).status_code == 404


def test_filter_form_shows_what_each_request_asked(client, consultation):
    ProposalFactory(consultation=consultation)
    for _ in range(2):  # the second time from the cache
        html = _page(client, data={"q": "guichet", "state": "evaluating"})
        assert 'name="q" value="guichet"' in html and '<option value="evaluating" selected>' in html
        html = _page(client, data={"q": "maison"})
        assert 'name="q" value="maison"' in html and 'value="guichet"' not in html
        assert '<option value="evaluating" selected>' not in html
        english = _page(client, "/en" + URL, data={"q": "maison"})
        assert "Search the proposals" in english and 'name="q" value="maison"' in english
    assert any("participation:list:filters" in k for k in cache._cache)
