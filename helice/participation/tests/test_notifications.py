"""Following and e-mail notifications: follow buttons (with and without htmx),
authors following their idea, news recorded once per person (replies, official
answers, changes of state, answers, new proposals), immediate e-mails versus the
daily digest (idempotent command), "no e-mail", the settings page in "my space",
and the one-click unsubscribe (RFC 8058 headers, POST without CSRF)."""

import io

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client

from helice.accounts.tests.factories import UserFactory
from helice.core.models import OutgoingEmail
from helice.core.testing.hostile import assert_inert
from helice.participation import notifications, services, services_comments
from helice.participation.models import (
    Follow,
    Notification,
    NotificationFrequency,
    NotificationKind,
    ParticipationSettings,
    ProposalState,
)

from .factories import (
    ActionFactory,
    ConsultationFactory,
    FollowFactory,
    ParticipationSettingsFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation():
    return ConsultationFactory(slug="innovation", title_fr="Innovation")


@pytest.fixture
def proposal(consultation):
    return ProposalFactory(consultation=consultation, title_fr="Un guichet unique")


def person(frequency=NotificationFrequency.IMMEDIATE, **kwargs):
    user = UserFactory(verified=True, **kwargs)
    ParticipationSettingsFactory(user=user, frequency=frequency)
    return user


def comment(proposal, author, body="Un avis.", **kwargs):
    return services_comments.comment_create(proposal=proposal, author=author, body=body, **kwargs)


# --- following ----------------------------------------------------------------------


def test_follow_and_unfollow_a_proposal_with_and_without_htmx(client, proposal):
    user = UserFactory(verified=True)
    client.force_login(user)
    url = f"/concertation/suivi/proposition/{proposal.consultation.slug}/{proposal.slug}/"
    response = client.post(url, {"action": "follow", "next": proposal.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert Follow.objects.filter(user=user, proposal=proposal).count() == 1
    client.post(url, {"action": "follow"})  # twice: still one
    assert Follow.objects.filter(user=user, proposal=proposal).count() == 1
    fragment = client.post(url, {"action": "unfollow"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "Suivre cette proposition" in fragment.content.decode()
    assert not Follow.objects.exists()
    outside = client.post(url, {"action": "follow", "next": "https://evil.example/"})
    assert outside["Location"].startswith("/concertation/")


def test_follow_a_consultation_from_its_page(client, consultation):
    user = UserFactory(verified=True)
    client.force_login(user)
    assert "Suivre cette concertation" in client.get(consultation.get_absolute_url()).content.decode()
    client.post(f"/concertation/suivi/consultation/{consultation.slug}/", {"action": "follow"})
    assert Follow.objects.filter(user=user, consultation=consultation).exists()
    assert "Concertation suivie : ne plus suivre" in client.get(consultation.get_absolute_url()).content.decode()
    assert client.post("/concertation/suivi/consultation/inconnue/", {"action": "follow"}).status_code == 404


def test_anonymous_follow_goes_to_sign_in(client, proposal):
    response = client.post(f"/concertation/suivi/proposition/{proposal.consultation.slug}/{proposal.slug}/")
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    assert not Follow.objects.exists()


def test_author_follows_their_idea(consultation):
    author = UserFactory(verified=True)
    idea = services.idea_submit(
        consultation=consultation,
        author=author,
        title="Des ateliers ouverts",
        body="Un texte assez long pour une idée.",
    )
    assert Follow.objects.filter(user=author, proposal=idea).exists()


# --- news and immediate e-mails ------------------------------------------------------


def test_reply_mails_the_author_of_the_comment_at_once(proposal, django_capture_on_commit_callbacks):
    alice = person(display_name="Alice")
    bob = person(display_name="Bob")
    first = comment(proposal, alice, "Première remarque.")
    with django_capture_on_commit_callbacks(execute=True):
        comment(proposal, bob, "Je te réponds <b>poliment</b>.", parent=first)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.email]
    assert message.subject.startswith("Une réponse à votre commentaire sur « Un guichet unique »")
    assert "Bob a répondu" in message.body and "Je te réponds <b>poliment</b>." in message.body
    assert "commentaires/?commentaire=" in message.body
    token = alice.participation_settings.unsubscribe_token
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<{settings.SITE_URL.rstrip('/')}/concertation/notifications/desabonner/{token}/>"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.get().sent_at is not None


def test_replying_to_oneself_sends_nothing(proposal, django_capture_on_commit_callbacks):
    alice = person()
    first = comment(proposal, alice)
    with django_capture_on_commit_callbacks(execute=True):
        comment(proposal, alice, "Je précise.", parent=first)
    assert mail.outbox == [] and not Notification.objects.exists()


def test_official_answer_reaches_followers_of_the_proposal_and_the_consultation_once(
    proposal, django_capture_on_commit_callbacks
):
    follower = person()
    both = person()
    digest = person(NotificationFrequency.DAILY)
    silent = person(NotificationFrequency.NEVER)
    FollowFactory(user=follower, proposal=proposal)
    FollowFactory(user=both, proposal=proposal)
    FollowFactory(user=both, proposal=None, consultation=proposal.consultation)
    FollowFactory(user=digest, proposal=proposal)
    FollowFactory(user=silent, proposal=proposal)
    team = UserFactory(verified=True, strategy_manager=True)
    FollowFactory(user=team, proposal=proposal)  # its own answer is not news for its author
    with django_capture_on_commit_callbacks(execute=True):
        comment(proposal, team, "Nous retenons cette piste.", official=True)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([follower.email, both.email])
    assert all("Réponse officielle" in m.subject for m in mail.outbox)
    assert Notification.objects.filter(user=digest, sent_at__isnull=True).count() == 1
    assert not Notification.objects.filter(user__in=[silent, team]).exists()


def test_state_change_and_answer_are_news_for_followers(proposal, django_capture_on_commit_callbacks):
    follower = person()
    FollowFactory(user=follower, proposal=proposal)
    manager = UserFactory(verified=True, strategy_manager=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_transition(proposal=proposal, to=ProposalState.EVALUATING, by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_answer(proposal=proposal, by=manager, answer_fr="<p>Nous l’étudions &amp; la chiffrons.</p>")
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_transition(proposal=proposal, to=ProposalState.ACCEPTED, by=manager, action=ActionFactory())
    kinds = list(Notification.objects.filter(user=follower).order_by("pk").values_list("kind", flat=True))
    assert kinds == [NotificationKind.STATE, NotificationKind.ANSWER, NotificationKind.STATE]
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 3 and subjects[1].startswith("La Métropole a répondu")
    assert "« Un guichet unique » est désormais : En cours d'examen." in mail.outbox[0].body
    assert "Nous l’étudions & la chiffrons." in mail.outbox[1].body and "<p>" not in mail.outbox[1].body
    assert "est désormais : Acceptée." in mail.outbox[2].body
    assert "Réponse de la Métropole : Nous l’étudions & la chiffrons." in mail.outbox[2].body


def test_idea_published_is_news_for_its_author_and_the_consultation_followers(
    consultation, django_capture_on_commit_callbacks
):
    author = person()
    watcher = person()
    FollowFactory(user=watcher, proposal=None, consultation=consultation)
    idea = services.idea_submit(
        consultation=consultation,
        author=author,
        title="Des ateliers ouverts",
        body="Un texte assez long pour une idée.",
    )
    assert not Notification.objects.exists()  # waiting for moderation: no news
    moderator = UserFactory(verified=True, moderator=True)
    with django_capture_on_commit_callbacks(execute=True):
        services_comments.idea_moderate(proposal=idea, by=moderator, publish=True)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([author.email, watcher.email])
    assert all("Nouvelle proposition" in m.subject for m in mail.outbox)


def test_refused_idea_is_told_to_its_author_only_with_the_reason(consultation, django_capture_on_commit_callbacks):
    author = person()
    watcher = person()
    FollowFactory(user=watcher, proposal=None, consultation=consultation)
    idea = services.idea_submit(
        consultation=consultation,
        author=author,
        title="Des ateliers ouverts",
        body="Un texte assez long pour une idée.",
    )
    moderator = UserFactory(verified=True, moderator=True)
    with django_capture_on_commit_callbacks(execute=True):
        services_comments.idea_moderate(proposal=idea, by=moderator, publish=False, reason="Déjà proposée.")
    assert [m.to[0] for m in mail.outbox] == [author.email]
    assert "Motif : Déjà proposée." in mail.outbox[0].body


def test_a_mail_server_down_loses_nothing(proposal, django_capture_on_commit_callbacks):
    alice = person()
    first = comment(proposal, alice)
    bob = person()
    from unittest import mock

    down = mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("down"))
    with down, django_capture_on_commit_callbacks(execute=True):
        comment(proposal, bob, "Réponse.", parent=first)
    queued = OutgoingEmail.objects.get(template="participation/email/news")
    assert queued.status == OutgoingEmail.Status.PENDING and queued.recipients == [alice.email]
    assert queued.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


# --- digest ---------------------------------------------------------------------------


def test_daily_digest_groups_the_news_and_never_sends_an_item_twice(proposal, django_capture_on_commit_callbacks):
    reader = person(NotificationFrequency.DAILY, display_name="Lectrice")
    FollowFactory(user=reader, proposal=proposal)
    team = UserFactory(verified=True, moderator=True)
    writer = person()
    mine = comment(proposal, reader, "Ma remarque.")
    with django_capture_on_commit_callbacks(execute=True):
        comment(proposal, writer, "Une réponse.", parent=mine)
        comment(proposal, team, "La réponse officielle.", official=True)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_participation_digests", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == [reader.email] and digest.subject.startswith("2 nouvelles des concertations")
    assert "Une réponse." in digest.body and "La réponse officielle." in digest.body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    reader.participation_settings.refresh_from_db()
    assert reader.participation_settings.digest_sent_at is not None
    # a second run: nothing new, nothing sent
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_participation_digests", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    # new news: only it in the next digest
    with django_capture_on_commit_callbacks(execute=True):
        comment(proposal, writer, "Une seconde réponse.", parent=mine)
        call_command("send_participation_digests", stdout=io.StringIO())
    assert len(mail.outbox) == 2
    assert "Une seconde réponse." in mail.outbox[1].body and "La réponse officielle." not in mail.outbox[1].body


def test_digest_dry_run_sends_nothing(proposal):
    reader = person(NotificationFrequency.DAILY)
    mine = comment(proposal, reader)
    comment(proposal, person(), "Réponse.", parent=mine)
    counts = notifications.digests_send(dry_run=True)
    assert counts == {"people": 1, "items": 1, "failed": 0}
    assert Notification.objects.get().sent_at is None and not OutgoingEmail.objects.exists()


def test_hidden_comment_is_dropped_from_the_next_digest(proposal):
    reader = person(NotificationFrequency.DAILY)
    mine = comment(proposal, reader)
    reply = comment(proposal, person(), "Insulte.", parent=mine)
    services_comments.comment_hide(comment=reply, by=UserFactory(verified=True, moderator=True), reason="Injure.")
    assert notifications.digests_send() == {"people": 0, "items": 0, "failed": 0}


# --- settings and unsubscribe ----------------------------------------------------------


def test_settings_page_changes_the_frequency_and_lists_follows(client, proposal):
    user = UserFactory(verified=True)
    FollowFactory(user=user, proposal=proposal)
    client.force_login(user)
    page = client.get("/concertation/notifications/").content.decode()
    assert "Un guichet unique" in page and "Un récapitulatif quotidien" in page
    assert 'name="language" value="fr" id="id_language_0" required checked' in page  # French by default
    response = client.post("/concertation/notifications/", {"frequency": "daily", "language": "en"})
    assert response.status_code == 302
    chosen = ParticipationSettings.objects.get(user=user)
    assert (chosen.frequency, chosen.language) == (NotificationFrequency.DAILY, "en")
    assert client.post("/concertation/notifications/", {"frequency": "hourly", "language": "fr"}).status_code == 400
    assert client.post("/concertation/notifications/", {"frequency": "\x00", "language": "fr"}).status_code == 400
    assert client.post("/concertation/notifications/", {"frequency": "daily", "language": "de"}).status_code == 400
    assert ParticipationSettings.objects.get(user=user).language == "en"
    my_space = client.get("/mon-espace/").content.decode()
    assert "Vous suivez 1 proposition ou concertation." in my_space and "Mes notifications de concertation" in my_space
    client.logout()
    assert client.get("/concertation/notifications/").status_code == 302


def test_choosing_no_email_drops_what_waits(proposal):
    reader = person(NotificationFrequency.DAILY)
    mine = comment(proposal, reader)
    comment(proposal, person(), "Réponse.", parent=mine)
    notifications.settings_update(user=reader, frequency=NotificationFrequency.NEVER)
    assert not Notification.objects.exists()


def test_one_click_unsubscribe_without_csrf(proposal):
    reader = person(NotificationFrequency.DAILY)
    mine = comment(proposal, reader)
    comment(proposal, person(), "Réponse.", parent=mine)
    token = reader.participation_settings.unsubscribe_token
    client = Client(enforce_csrf_checks=True)
    url = f"/concertation/notifications/desabonner/{token}/"
    page = client.get(url)
    assert page.status_code == 200 and "Arrêter ces e-mails" in page.content.decode()
    assert (
        ParticipationSettings.objects.get(user=reader).frequency == NotificationFrequency.DAILY
    )  # GET changes nothing
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "C’est fait" in response.content.decode()
    assert ParticipationSettings.objects.get(user=reader).frequency == NotificationFrequency.NEVER
    assert not Notification.objects.exists()
    assert client.post(url).status_code == 200  # again: nothing changes
    assert client.get("/concertation/notifications/desabonner/inconnu/").status_code == 404
    assert client.post("/concertation/notifications/desabonner/" + "x" * 80 + "/").status_code == 404


def test_hostile_display_names_in_mails_and_pages_are_inert(client, proposal, django_capture_on_commit_callbacks):
    from helice.core.testing.hostile import HOSTILE_INPUTS

    alice = person()
    first = comment(proposal, alice)
    for _name, value in HOSTILE_INPUTS:
        if "\x00" in value:
            continue
        writer = person(display_name=value[:150])
        with django_capture_on_commit_callbacks(execute=True):
            comment(proposal, writer, value[:5000], parent=first)
    assert_inert(client.get(proposal.get_absolute_url() + "commentaires/").content)
    client.force_login(alice)
    assert_inert(client.get("/concertation/notifications/").content)
    assert len(mail.outbox) == len([v for _n, v in HOSTILE_INPUTS if "\x00" not in v])


def test_the_unsubscribe_token_is_never_stored():
    """The database alone can neither make nor accept a link: it keeps a nonce and
    the token's hash, and the token is an HMAC of the nonce under SECRET_KEY."""
    import hashlib

    from helice.participation.models import ParticipationSettings

    row = ParticipationSettings.objects.create(user=UserFactory(verified=True))
    token = row.unsubscribe_token
    stored = ParticipationSettings.objects.filter(pk=row.pk).values().get()
    assert token not in {str(value) for value in stored.values()}
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    client = Client()
    assert client.get(f"/concertation/notifications/desabonner/{stored['token_nonce']}/").status_code == 404
    assert client.get(f"/concertation/notifications/desabonner/{stored['token_hash']}/").status_code == 404
    assert client.get(f"/concertation/notifications/desabonner/{token}/").status_code == 200
    other = ParticipationSettings.objects.create(user=UserFactory(verified=True))
    assert other.unsubscribe_token != token and other.token_nonce != row.token_nonce


def test_e_mails_are_written_in_each_recipient_s_language(proposal, django_capture_on_commit_callbacks):
    proposal.title_en = "A one-stop shop"
    proposal.save()
    english, french = person(display_name="Ann"), person(display_name="Anne")
    notifications.settings_update(user=english, frequency=NotificationFrequency.IMMEDIATE, language="en")
    ann_comment, anne_comment = comment(proposal, english), comment(proposal, french)
    with django_capture_on_commit_callbacks(execute=True):
        comment(proposal, person(display_name="Bob"), "Réponse.", parent=ann_comment)
        comment(proposal, person(display_name="Bob"), "Réponse.", parent=anne_comment)
    by_recipient = {message.to[0]: message for message in mail.outbox}
    to_ann, to_anne = by_recipient[english.email], by_recipient[french.email]
    assert "A one-stop shop" in to_ann.subject and "Un guichet unique" in to_anne.subject
    assert "/en/concertation/" in to_ann.body and "/en/" not in to_anne.body
    assert "/en/concertation/notifications/desabonner/" in to_ann.extra_headers["List-Unsubscribe"]
    assert "Bob replied to your comment on “A one-stop shop”" in to_ann.body
    assert "Bob a répondu à votre commentaire sur « Un guichet unique »" in to_anne.body


def test_following_from_a_page_keeps_its_language(client, proposal):
    user = UserFactory(verified=True)
    client.force_login(user)
    url = f"/en/concertation/suivi/proposition/{proposal.consultation.slug}/{proposal.slug}/"
    assert client.post(url, {"action": "follow"}).status_code in (200, 302)
    assert ParticipationSettings.objects.get(user=user).language == "en"
    client.post(url.removeprefix("/en"), {"action": "follow"})  # already followed: the language still follows the page
    assert ParticipationSettings.objects.get(user=user).language == "fr"
