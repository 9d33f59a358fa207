"""Comments and moderation in a real browser: a participant signs in, comments on a
proposal with a stance and replies to another comment (htmx); someone flags a
comment; a moderator hides it from the queue (the reason shows in its place) and
publishes and refuses ideas; the same comment form without JavaScript; axe-core on
every page and after every partial update."""

import pytest
from playwright.sync_api import expect

from .pages import BasePage, FormPage, LoginPage

pytestmark = pytest.mark.browser

THREAD = "/concertation/innovation/propositions/observatoire/"


@pytest.fixture
def proposal(transactional_db):
    from helice.accounts.tests.factories import UserFactory
    from helice.participation.tests.factories import CommentFactory, ConsultationFactory, ProposalFactory

    consultation = ConsultationFactory(title_fr="Politique d'innovation", slug="innovation")
    proposal = ProposalFactory(
        consultation=consultation, title_fr="Créer un observatoire de la création innovante", slug="observatoire"
    )
    other = UserFactory(verified=True, display_name="Bruno Petit")
    CommentFactory(proposal=proposal, author=other, body="Il faudrait y associer les laboratoires.")
    return proposal


@pytest.fixture
def participant(transactional_db):
    from helice.accounts.tests.factories import PASSWORD, UserFactory

    user = UserFactory(verified=True, participant_category="company", email="lea@example.org", display_name="Léa Roux")
    return user, PASSWORD


def thread(page: BasePage):
    return page.main.locator("#comments")


def new_comment_form(page: BasePage):
    return thread(page).locator("form.comment-form")


def test_participant_comments_and_replies_with_htmx(tab, proposal, participant):
    user, password = participant
    page = BasePage(tab, THREAD).open()
    expect(thread(page)).to_contain_text("Connectez-vous pour participer.")

    LoginPage(tab).open().log_in(email=user.email, password=password)
    page = FormPage(tab, THREAD).open()
    form = new_comment_form(page)
    form.get_by_label("Votre commentaire").fill("Un observatoire partagé avec les incubateurs serait utile.")
    form.get_by_label("Pour la proposition").check()
    form.get_by_role("button", name="Publier mon commentaire").click()
    page.wait_for_htmx()
    section = thread(page)
    expect(section).to_contain_text("Votre commentaire est publié.")
    mine = section.locator(".comment", has_text="Un observatoire partagé")
    expect(mine).to_contain_text("Léa Roux")
    expect(mine.locator(".stance")).to_have_text("Pour")
    expect(section.get_by_role("heading", level=2)).to_have_text("2 commentaires")
    page.loaded()

    # A reply to Bruno's comment, nested under it.
    bruno = section.locator("li.comment", has_text="Il faudrait y associer les laboratoires.").first
    bruno.locator("summary", has_text="Répondre").click()
    bruno.get_by_label("Votre réponse").fill("D'accord, et les plateformes techniques aussi.")
    bruno.get_by_role("button", name="Publier ma réponse").click()
    page.wait_for_htmx()
    section = thread(page)
    expect(section).to_contain_text("Votre réponse est publiée.")
    nested = section.locator("li.comment .comment-replies li.comment")
    expect(nested).to_contain_text("D'accord, et les plateformes techniques aussi.")
    page.loaded()

    # An empty comment: the message in place, nothing published.
    new_comment_form(page).get_by_role("button", name="Publier mon commentaire").click()  # "required" stops it
    expect(section.get_by_role("heading", level=2)).to_have_text("3 commentaires")

    # The author edits within the window; the edit is shown.
    mine = section.locator("li.comment", has_text="Un observatoire partagé").first
    mine.locator("summary", has_text="Modifier").first.click()
    mine.get_by_label("Votre commentaire").fill("Un observatoire partagé avec les incubateurs et les pépinières.")
    mine.get_by_role("button", name="Enregistrer mes modifications").click()
    page.wait_for_htmx()
    expect(thread(page)).to_contain_text("avec les incubateurs et les pépinières.")
    expect(thread(page).locator(".comment-edited").first).to_contain_text("modifié le")
    page.loaded()


def test_flag_then_a_moderator_hides_the_comment_and_moderates_ideas(signed_in, proposal):
    from helice.accounts.tests.factories import UserFactory
    from helice.participation.tests.factories import ProposalFactory

    reader = signed_in(UserFactory(verified=True))
    page = BasePage(reader, THREAD).open()
    comment = thread(page).locator("li.comment", has_text="Il faudrait y associer les laboratoires.")
    comment.locator("summary", has_text="Signaler").click()
    comment.get_by_label("Pourquoi ?").select_option("off_topic")
    comment.get_by_label("Précisions (facultatif)").fill("Sans rapport avec la proposition.")
    comment.get_by_role("button", name="Envoyer aux modérateurs").click()
    page.wait_for_htmx()
    expect(thread(page)).to_contain_text("Merci : les modérateurs examineront ce commentaire.")
    expect(thread(page)).to_contain_text("Vous avez signalé ce commentaire.")
    page.loaded()

    ProposalFactory(consultation=proposal.consultation, submitted=True, title_fr="Une idée à publier", slug="a-publier")
    ProposalFactory(consultation=proposal.consultation, submitted=True, title_fr="Une idée en double", slug="double")
    moderator = signed_in(UserFactory(verified=True, moderator=True))
    queue = FormPage(moderator, "/concertation/moderation/commentaires/").open()
    expect(queue.main.get_by_role("link", name="Commentaires signalés (1)")).to_be_visible()
    queue.submit(queue.main.get_by_role("link", name="Il faudrait y associer les laboratoires."))
    expect(queue.main).to_contain_text("Sans rapport avec la proposition.")
    queue.main.get_by_label("Motif (affiché publiquement à la place du commentaire)").fill("Hors sujet.")
    queue.submit(queue.main.get_by_role("button", name="Masquer le commentaire"))
    expect(queue.messages).to_contain_text("Le commentaire est masqué")
    expect(queue.main).to_contain_text("Aucun commentaire n’est signalé.")

    public = BasePage(reader, THREAD).open()
    expect(thread(public)).to_contain_text("Commentaire masqué par la modération : Hors sujet.")
    expect(thread(public)).not_to_contain_text("Il faudrait y associer les laboratoires.")

    ideas = FormPage(moderator, "/concertation/moderation/").open()
    ideas.submit(ideas.main.get_by_role("button", name="Publier « Une idée à publier »"))
    expect(ideas.messages).to_contain_text("L’idée « Une idée à publier » est publiée.")
    refused = ideas.main.locator("li", has_text="Une idée en double")
    refused.get_by_label("Motif d’un refus (son auteur le lira)").fill("Déjà proposée par les ateliers.")
    ideas.submit(refused.get_by_role("button", name="Refuser « Une idée en double »"))
    expect(ideas.messages).to_contain_text("est refusée")
    expect(ideas.main).to_contain_text("Aucune idée n’est en attente.")
    history = FormPage(moderator, "/concertation/moderation/historique/").open()
    for decision in ("Commentaire masqué", "Idée publiée", "Idée refusée"):
        expect(history.main.locator("table")).to_contain_text(decision)


def test_comment_without_javascript(signed_in, proposal, participant):
    user, _password = participant
    tab = signed_in(user, java_script_enabled=False)
    page = FormPage(tab, THREAD).open()
    new_comment_form(page).get_by_label("Votre commentaire").fill("Sans JavaScript, le formulaire marche aussi.")
    page.submit(new_comment_form(page).get_by_role("button", name="Publier mon commentaire"))
    expect(page.messages).to_contain_text("Votre commentaire est publié.")
    assert page.path_now == THREAD + "commentaires/"
    expect(thread(page)).to_contain_text("Sans JavaScript, le formulaire marche aussi.")


def test_too_many_comments_are_said_in_the_thread(signed_in, proposal, participant, settings):
    settings.PARTICIPATION_COMMENT_RATE = "1/h/user"
    user, _password = participant
    page = BasePage(signed_in(user), THREAD).open()
    for text in ("Premier commentaire du jour.", "Un second, trop vite."):
        form = new_comment_form(page)
        form.get_by_label("Votre commentaire").fill(text)
        form.get_by_role("button", name="Publier mon commentaire").click()
        page.wait_for_htmx()
    expect(thread(page).locator(".comments-notice")).to_contain_text("Trop de messages en peu de temps")
    expect(thread(page)).not_to_contain_text("Un second, trop vite.")
    page.loaded()


def test_a_participant_chooses_the_frequency_and_language_of_the_e_mails(signed_in, proposal, participant):
    from helice.participation.models import ParticipationSettings

    user, _password = participant
    tab = signed_in(user)
    page = FormPage(tab, "/concertation/notifications/").open()  # axe-core checks the page
    page.main.get_by_label("Un récapitulatif quotidien").check()
    page.main.get_by_label("English").check()
    page.submit(page.main.get_by_role("button", name="Enregistrer mon choix"))
    expect(page.messages).to_contain_text("Votre choix est enregistré.")
    chosen = ParticipationSettings.objects.get(user=user)
    assert (chosen.frequency, chosen.language) == ("daily", "en")
    expect(page.main.get_by_label("English")).to_be_checked()
