"""The public pages through HTTP: consultations, a consultation's proposals (filters,
search, sorts, pages, all in the address), a proposal with its opinions and the
action it became, the opinion form with and without htmx, the idea form, the
staff's state change and answer. Bad input: a 4xx with a message, never a 500."""

import re

import pytest
from django.contrib.messages import get_messages
from django.utils import translation

from helice.accounts.tests.factories import UserFactory
from helice.core.testing.hostile import HOSTILE_INPUTS, assert_form_resists_hostile_input, assert_inert
from helice.participation.models import Opinion, Proposal, ProposalChange, ProposalState

from .factories import (
    ActionFactory,
    CommentFactory,
    ConsultationFactory,
    ObjectiveFactory,
    OpinionFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation():
    objective = ObjectiveFactory(code="2.1", title_fr="Soutenir les filières")
    return ConsultationFactory(title_fr="Politique d'innovation", slug="innovation", objectives=[objective])


@pytest.fixture
def participant(client):
    user = UserFactory(verified=True, participant_category="company")
    client.force_login(user)
    return user


def url(proposal, suffix=""):
    return proposal.get_absolute_url() + suffix


# --- consultations ------------------------------------------------------------------


def test_list_shows_published_consultations_only(client, consultation):
    ConsultationFactory(title_fr="Brouillon secret", draft=True)
    html = client.get("/concertation/").content.decode()
    assert "Politique d&#x27;innovation" in html and "Ouverte aux contributions" in html
    assert "Brouillon secret" not in html
    assert client.get("/concertation/", {"page": "x"}).status_code == 400
    assert client.get("/concertation/", {"page": "9"}).status_code == 404


def test_draft_consultation_is_404(client):
    draft = ConsultationFactory(draft=True)
    assert client.get(f"/concertation/{draft.slug}/").status_code == 404


def test_consultation_page_lists_public_proposals_with_their_counts(client, consultation):
    shown = ProposalFactory(consultation=consultation, title_fr="Créer un guichet unique")
    OpinionFactory.create_batch(2, proposal=shown, value="agree")
    ProposalFactory(consultation=consultation, title_fr="Idée en attente", submitted=True)
    ProposalFactory(consultation=consultation, title_fr="Idée masquée", hidden=True)
    response = client.get("/concertation/innovation/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Créer un guichet unique" in html and "2 d'accord" in html
    assert "Idée en attente" not in html and "Idée masquée" not in html
    assert "1 proposition" in html


def test_filters_search_and_sorts_in_the_address(client, consultation):
    objective = consultation.objectives.get()
    a = ProposalFactory(consultation=consultation, title_fr="Fonds local d'amorçage", objective=objective)
    b = ProposalFactory(consultation=consultation, title_fr="Vitrine technologique", idea=True)
    c = ProposalFactory(consultation=consultation, title_fr="Observatoire de la création", accepted=True)
    OpinionFactory.create_batch(3, proposal=b, value="agree")
    OpinionFactory(proposal=c, value="agree")

    def titles(**params):
        html = client.get("/concertation/innovation/", params).content.decode()
        return re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', html)

    assert titles(objective="2.1") == ["Fonds local d&#x27;amorçage"]
    assert titles(origin="idea") == ["Vitrine technologique"]
    assert titles(state="accepted") == ["Observatoire de la création"]
    assert titles(q="vitrine technologiques") == ["Vitrine technologique"]
    assert titles(q="creation") == ["Observatoire de la création"]
    assert titles(sort="supported")[:2] == ["Vitrine technologique", "Observatoire de la création"]
    CommentFactory.create_batch(2, proposal=a)
    assert titles(sort="debated")[0] == "Fonds local d&#x27;amorçage"
    assert titles(sort="newest")[0] == "Observatoire de la création"
    # The same seed gives the same order; the order's link carries it.
    first = titles(sort="random", seed="12345")
    assert sorted(first) == sorted(titles()) and first == titles(sort="random", seed="12345")
    html = client.get("/concertation/innovation/").content.decode()
    assert re.search(r"sort=random&amp;seed=\d+", html)


def test_random_order_keeps_its_seed_across_pages(client, consultation):
    for n in range(25):
        ProposalFactory(consultation=consultation, title_fr=f"Proposition numéro {n}")
    html = client.get("/concertation/innovation/", {"sort": "random", "seed": "777"}).content.decode()
    assert "page=2" in html and "seed=777" in re.search(r'rel="next" href="([^"]+)"', html).group(1)
    page1 = re.findall(
        r"Proposition numéro (\d+)", client.get("/concertation/innovation/?sort=random&seed=777").content.decode()
    )
    page2 = re.findall(
        r"Proposition numéro (\d+)",
        client.get("/concertation/innovation/?sort=random&seed=777&page=2").content.decode(),
    )
    assert len(page1) == 20 and len(page2) == 5 and not set(page1) & set(page2)


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "best"},
        {"state": "hidden"},
        {"state": "submitted"},
        {"origin": "robot"},
        {"objective": "99.9"},
        {"seed": "abc"},
        {"seed": "0"},
        {"seed": "99999999999999999999"},
        {"q": "x" * 201},
        {"page": "0"},
        {"page": "abc"},
    ],
)
def test_bad_list_parameters_get_a_400_with_a_message(client, consultation, params):
    response = client.get("/concertation/innovation/", params)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_nul_bytes_in_the_address_are_dropped(client, consultation):
    ProposalFactory(consultation=consultation, title_fr="Abcdef")
    response = client.get("/concertation/innovation/", {"q": "abc\x00def", "sort": "newest\x00"})
    assert response.status_code == 200 and "Abcdef" in response.content.decode()


def test_page_past_the_end_is_404(client, consultation):
    assert client.get("/concertation/innovation/", {"page": "5"}).status_code == 404


def test_htmx_list_returns_the_results_fragment(client, consultation):
    ProposalFactory(consultation=consultation, title_fr="Fragment seul")
    response = client.get("/concertation/innovation/", {"sort": "newest"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="proposal-results"') and "Fragment seul" in html
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]
    random = client.get("/concertation/innovation/", {"sort": "random"}, headers={"HX-Request": "true"})
    assert re.fullmatch(r"/concertation/innovation/\?sort=random&seed=\d+", random["HX-Push-Url"])


def test_consultation_list_query_count(client, consultation, participant, django_assert_num_queries):
    for n in range(30):
        proposal = ProposalFactory(consultation=consultation, title_fr=f"Proposition {n}")
        OpinionFactory(proposal=proposal, value="mixed")
    with django_assert_num_queries(15):  # 14, and the follow button (views_notifications)
        assert client.get("/concertation/innovation/", {"sort": "supported"}).status_code == 200


# --- a proposal ---------------------------------------------------------------------


def test_proposal_page_shows_distribution_in_words_and_by_category(client, consultation):
    proposal = ProposalFactory(consultation=consultation, title_fr="Mutualiser les plateformes")
    OpinionFactory(proposal=proposal, value="agree", user=UserFactory(verified=True, participant_category="company"))
    OpinionFactory(proposal=proposal, value="agree", user=UserFactory(verified=True, participant_category="citizen"))
    OpinionFactory(proposal=proposal, value="disagree", user=UserFactory(verified=True, participant_category="citizen"))
    response = client.get(url(proposal))
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 avis donnés" in html
    assert "D&#x27;accord : <strong>2</strong> (67 %)" in html
    assert "Mitigé : <strong>0</strong> (0 %)" in html
    assert "Pas d&#x27;accord : <strong>1</strong> (33 %)" in html
    assert 'role="img" aria-labelledby="opinions-all-words"' in html
    assert "Avis par catégorie de participant" in html and "Entreprise" in html and "Citoyen" in html
    assert "application/ld+json" in html and 'property="og:title"' in html
    assert "Connectez-vous pour participer." in html


def test_proposal_shows_answer_and_the_action_it_became(client, consultation):
    action = ActionFactory(code="3.1.2", title_fr="Créer un observatoire", status="in_progress", progress=45)
    proposal = ProposalFactory(consultation=consultation, accepted=True, action=action, answer_fr="Nous la retenons.")
    html = client.get(url(proposal)).content.decode()
    assert "Réponse de la Métropole" in html and "Nous la retenons." in html
    assert "3.1.2. Créer un observatoire" in html and "/strategie/actions/3.1.2/" in html
    assert "En cours" in html and "45" in html and '<progress max="100" value="45"' in html


def test_hidden_and_submitted_proposals_are_404_for_others(client, consultation):
    waiting = ProposalFactory(consultation=consultation, submitted=True)
    hidden = ProposalFactory(consultation=consultation, hidden=True)
    assert client.get(url(waiting)).status_code == 404
    assert client.get(url(hidden)).status_code == 404
    client.force_login(waiting.author)
    html = client.get(url(waiting)).content.decode()
    assert "attend la modération" in html
    client.force_login(UserFactory(moderator=True))
    assert client.get(url(hidden)).status_code == 200


def test_example_content_is_flagged(client, consultation):
    proposal = ProposalFactory(consultation=consultation, is_example=True)
    assert "Exemple" in client.get(url(proposal)).content.decode()
    assert "Exemple" in client.get("/concertation/innovation/").content.decode()


def test_unknown_proposal_is_404(client, consultation):
    assert client.get("/concertation/innovation/propositions/nope/").status_code == 404
    assert client.get("/concertation/nope/propositions/nope/").status_code == 404


def test_proposal_page_query_count(client, consultation, participant, django_assert_num_queries):
    proposal = ProposalFactory(consultation=consultation, accepted=True)
    for category in ("citizen", "company", "student"):
        OpinionFactory(proposal=proposal, user=UserFactory(verified=True, participant_category=category))
    # 9, and the comments' section: the count of comments (none: no rows read), the
    # account's status (verified address and block, one query) for the comment form, the follow button
    with django_assert_num_queries(12):
        assert client.get(url(proposal)).status_code == 200


# --- opinions -----------------------------------------------------------------------


def test_give_change_and_withdraw_an_opinion_without_javascript(client, consultation, participant):
    proposal = ProposalFactory(consultation=consultation)
    response = client.post(url(proposal, "avis/"), {"value": "agree"})
    assert response.status_code == 302 and response["Location"].endswith("#opinion")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Votre avis est enregistré."]
    html = client.get(url(proposal)).content.decode()
    assert 'aria-pressed="true">D&#x27;accord <span class="mine">(votre avis)</span>' in html
    client.post(url(proposal, "avis/"), {"value": "mixed"})
    proposal.refresh_from_db()
    assert (proposal.agree_count, proposal.mixed_count) == (0, 1)
    assert Opinion.objects.get(proposal=proposal, user=participant).participant_category == "company"
    client.post(url(proposal, "avis/"), {"withdraw": "1"})
    proposal.refresh_from_db()
    assert proposal.opinion_count == 0 and not Opinion.objects.exists()


def test_opinion_with_htmx_returns_the_block(client, consultation, participant):
    proposal = ProposalFactory(consultation=consultation)
    response = client.post(url(proposal, "avis/"), {"value": "disagree"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="opinion"')
    assert "Votre avis est enregistré." in html and "Pas d&#x27;accord : <strong>1</strong> (100 %)" in html


@pytest.mark.parametrize("data", [{"value": "maybe"}, {}, {"value": ""}, {"value": "agree\x00"}])
def test_bad_opinion_is_a_400_and_changes_nothing(client, consultation, participant, data):
    proposal = ProposalFactory(consultation=consultation)
    response = client.post(url(proposal, "avis/"), data)
    assert response.status_code == 400
    assert "Choisissez d&#x27;accord, mitigé ou pas d&#x27;accord." in response.content.decode()
    assert not Opinion.objects.exists()


def test_refused_opinion_is_a_403_with_the_reason(client, consultation):
    proposal = ProposalFactory(consultation=consultation)
    client.force_login(UserFactory())  # e-mail not verified
    response = client.post(url(proposal, "avis/"), {"value": "agree"})
    assert response.status_code == 403
    assert "Confirmez votre adresse e-mail pour participer." in response.content.decode()
    assert not Opinion.objects.exists()


def test_anonymous_opinion_goes_to_sign_in(client, consultation):
    proposal = ProposalFactory(consultation=consultation)
    response = client.post(url(proposal, "avis/"), {"value": "agree"})
    assert (response.status_code == 302 and "/comptes/connexion/" in response["Location"]) or "login" in response[
        "Location"
    ]
    assert not Opinion.objects.exists()


def test_opinion_on_a_closed_consultation_is_refused(client, participant):
    proposal = ProposalFactory(consultation=ConsultationFactory(analysis=True))
    response = client.post(url(proposal, "avis/"), {"value": "agree"})
    assert response.status_code == 403 and "Les contributions sont closes." in response.content.decode()


def test_opinion_get_is_405(client, consultation, participant):
    proposal = ProposalFactory(consultation=consultation)
    assert client.get(url(proposal, "avis/")).status_code == 405


# --- ideas --------------------------------------------------------------------------


IDEA = {
    "title": "Un annuaire des plateformes techniques",
    "body": "Recenser les plateformes techniques ouvertes aux PME avec leurs conditions d'accès.",
}


def test_submit_an_idea_held_for_moderation(client, consultation, participant):
    form = client.get("/concertation/innovation/proposer/").content.decode()
    assert 'name="title"' in form and "2.1. Soutenir les filières" in form
    response = client.post("/concertation/innovation/proposer/", {**IDEA, "objective": "2.1"})
    proposal = Proposal.objects.get(origin="idea")
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert proposal.state == ProposalState.SUBMITTED and proposal.author == participant
    assert proposal.objective.code == "2.1"
    assert ProposalChange.objects.filter(proposal=proposal, field="state", after="submitted").exists()
    mine = client.get("/concertation/innovation/").content.decode()
    assert "Vos idées non publiées" in mine and "En attente de modération" in mine
    client.logout()
    assert "Un annuaire des plateformes" not in client.get("/concertation/innovation/").content.decode()


def test_an_idea_s_news_come_in_the_language_of_its_page(client, consultation, participant):
    from helice.participation.models import ParticipationSettings

    response = client.post("/en/concertation/innovation/proposer/", {**IDEA, "objective": "2.1"})
    assert response.status_code == 302
    assert ParticipationSettings.objects.get(user=participant).language == "en"
    # A proposal given an author elsewhere (the admin, a command) says nothing of their language.
    with translation.override("fr"):
        ProposalFactory(consultation=consultation, author=participant, origin="idea")
    assert ParticipationSettings.objects.get(user=participant).language == "en"


def test_idea_published_at_once_without_premoderation(client, participant):
    consultation = ConsultationFactory(postmoderated=True, slug="ouverte")
    client.post("/concertation/ouverte/proposer/", IDEA)
    proposal = Proposal.objects.get()
    assert proposal.state == ProposalState.PUBLISHED and proposal.published_at
    assert proposal.title_fr in client.get(consultation.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**IDEA, "title": "court"}, "au moins 8 caractères"),
        ({**IDEA, "body": "trop court"}, "au moins 30 caractères"),
        ({**IDEA, "title": "x" * 201}, "au plus 200 caractères"),
        ({**IDEA, "objective": "9.99"}, "Choisissez l&#x27;un des objectifs de la concertation."),
        ({"title": "", "body": ""}, "Ce champ est obligatoire."),
    ],
)
def test_bad_idea_is_a_400_and_nothing_saved(client, consultation, participant, data, message):
    response = client.post("/concertation/innovation/proposer/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Proposal.objects.exists()


def test_honeypot_keeps_nothing(client, consultation, participant):
    response = client.post("/concertation/innovation/proposer/", {**IDEA, "website": "http://spam.example"})
    assert response.status_code == 302 and not Proposal.objects.exists()


def test_ideas_are_rate_limited(client, consultation, participant):
    for n in range(5):
        body = f"{IDEA['body']} Variante {n}."
        assert client.post("/concertation/innovation/proposer/", {**IDEA, "body": body}).status_code == 302
    assert client.post("/concertation/innovation/proposer/", IDEA).status_code == 429
    assert Proposal.objects.count() == 5


def test_idea_refused_with_the_reason(client, consultation):
    html = client.get("/concertation/innovation/proposer/").content.decode()
    assert "Connectez-vous pour participer." in html and 'name="title"' not in html
    client.force_login(UserFactory(verified=True, participant_category="student"))
    restricted = ConsultationFactory(slug="entreprises", eligible_categories=["company"])
    response = client.post(f"/concertation/{restricted.slug}/proposer/", IDEA)
    assert response.status_code == 403 and "ouverte à ces participants : entreprise" in response.content.decode()
    assert client.get(f"/concertation/{ConsultationFactory(no_ideas=True).slug}/proposer/").status_code == 404
    assert not Proposal.objects.exists()


def test_hostile_input_in_the_idea_form_is_inert(client, consultation, participant, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}  # no rate limit
    for field in ("title", "body"):
        statuses = assert_form_resists_hostile_input(
            client, "/concertation/innovation/proposer/", field, data=lambda name, f=field: {**IDEA}
        )
        assert statuses["very_long"] == 400
    for proposal in Proposal.objects.all():
        assert_inert(client.get(proposal.get_absolute_url()).content)
        assert "\x00" not in proposal.title_fr + proposal.body_fr


# --- staff: state and answer ---------------------------------------------------------


def test_strategy_manager_accepts_with_an_action_and_answers(client, consultation):
    proposal = ProposalFactory(consultation=consultation)
    action = ActionFactory(code="A9", title_fr="Lancer le fonds")
    manager = UserFactory(strategy_manager=True, verified=True)
    client.force_login(manager)
    html = client.get(url(proposal)).content.decode()
    assert "Changer l'état" in html and "Réponse publique" in html
    response = client.post(url(proposal, "etat/"), {"to": "accepted"})
    assert response.status_code == 400 and "Choisissez l&#x27;action du plan" in response.content.decode()
    response = client.post(url(proposal, "etat/"), {"to": "accepted", "action": "A9", "reason": "Voté en comité."})
    assert response.status_code == 302
    response = client.post(url(proposal, "reponse/"), {"answer_fr": "Retenue : elle devient l'action A9."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "accepted" and proposal.action == action and proposal.answered_by == manager
    fields = list(ProposalChange.objects.filter(proposal=proposal).values_list("field", flat=True))
    assert sorted(fields) == ["action", "answer", "state"]
    assert all(c.author == manager for c in ProposalChange.objects.filter(proposal=proposal))


def test_moderator_hides_an_idea_with_a_reason(client, consultation):
    proposal = ProposalFactory(consultation=consultation, submitted=True)
    client.force_login(UserFactory(moderator=True, verified=True))
    assert client.post(url(proposal, "etat/"), {"to": "hidden"}).status_code == 400
    assert client.post(url(proposal, "etat/"), {"to": "accepted"}).status_code == 400  # not a move it may make
    assert client.post(url(proposal, "etat/"), {"to": "hidden", "reason": "Publicité."}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "hidden" and proposal.moderation_reason == "Publicité."
    client.force_login(proposal.author)
    assert "Publicité." in client.get(url(proposal)).content.decode()


def test_participants_cannot_use_staff_forms(client, consultation, participant):
    proposal = ProposalFactory(consultation=consultation)
    assert client.post(url(proposal, "etat/"), {"to": "hidden", "reason": "x"}).status_code == 403
    assert client.post(url(proposal, "reponse/"), {"answer_fr": "x"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == "published" and proposal.answer_fr == ""
    assert "Changer l'état" not in client.get(url(proposal)).content.decode()


def test_hostile_answer_is_inert(client, consultation):
    proposal = ProposalFactory(consultation=consultation)
    client.force_login(UserFactory(strategy_manager=True, verified=True))
    for name, value in HOSTILE_INPUTS:
        response = client.post(url(proposal, "reponse/"), {"answer_fr": value})
        assert response.status_code in (302, 400), name
        assert_inert(client.get(url(proposal)).content)
    client.logout()
    assert_inert(client.get(url(proposal)).content)


def test_hostile_search_and_staff_reason_are_inert(client, consultation):
    proposal = ProposalFactory(consultation=consultation)
    for name, value in HOSTILE_INPUTS:
        response = client.get("/concertation/innovation/", {"q": value})
        assert response.status_code in (200, 400), name
        assert_inert(response.content)
    client.force_login(UserFactory(administrator=True, verified=True))
    statuses = assert_form_resists_hostile_input(
        client, url(proposal, "etat/"), "reason", data={"to": "evaluating"}, show_url=url(proposal)
    )
    assert statuses["very_long"] == 400
    for change in ProposalChange.objects.all():
        assert "\x00" not in change.note
