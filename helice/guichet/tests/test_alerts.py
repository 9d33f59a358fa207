"""Alerts: a finder search saved with an address, confirmed, e-mailed weekly with
what is new (docs/guichet.md, "Alerts"), unsubscribed in one click."""

import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helice.accounts.services.profile import user_delete
from helice.accounts.tests.factories import UserFactory
from helice.core import personal_data
from helice.core.models import OutgoingEmail
from helice.core.testing.hostile import HOSTILE_INPUTS, assert_form_resists_hostile_input, assert_inert
from helice.directory.models import PublicationStatus
from helice.guichet import matching, services
from helice.guichet.models import Need, SavedSearch, Service, Stage
from helice.guichet.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("guichet:alert_create")
REQUESTED_URL = reverse("guichet:alert_requested")
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/(?:en/)?guichet/alertes/([0-9a-f]{64})/confirmer/)")
MANAGE_LINK = re.compile(r"https?://[^/\s]+(/(?:en/)?guichet/alertes/([0-9a-f]{64})/)(?:\s|$)")


@pytest.fixture
def needs():
    services.taxonomy_load()
    return {n.code: n for n in Need.objects.all()}


def ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def old(service: Service, days: int = 60) -> Service:
    """A service published long before any alert of the test."""
    Service.objects.filter(pk=service.pk).update(published_at=ago(days))
    service.refresh_from_db()
    return service


def subscribe(client, email="ana@example.org", **criteria):
    data = {"email": email, **(criteria or {"need": "finance-grant"})}
    return client.post(CREATE_URL, data)


def confirmed_alert(email="ana@example.org", days=7, **criteria) -> SavedSearch:
    """A confirmed alert (no mail), confirmed ``days`` ago."""
    alert = SavedSearch(email=email, created_at=ago(days), confirmed_at=ago(days))
    alert.set_criteria(criteria or {"need": ["finance-grant"]})
    alert.set_token()
    alert.save()
    return alert


def send_alerts(*args) -> str:
    out = io.StringIO()
    call_command("send_search_alerts", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def path_of(url: str) -> str:
    return urlsplit(url).path


# --- The whole flow ------------------------------------------------------------------------


def test_subscribe_confirm_digest_and_one_click_unsubscribe(client, needs, django_capture_on_commit_callbacks):
    old_match = old(ServiceFactory(name="Subvention ancienne", needs=[needs["finance-grant"]]))
    assert CREATE_URL not in client.get(reverse("guichet:finder")).content.decode()  # only below results
    page = client.get(reverse("guichet:finder"), {"need": "finance-grant"})
    content = page.content.decode()
    assert f'action="{CREATE_URL}"' in content
    assert '<input type="hidden" name="need" value="finance-grant">' in content
    assert 'aria-hidden="true"' in content and 'name="website"' in content

    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client)
    assert response.status_code == 302 and response.url == REQUESTED_URL
    assert client.get(REQUESTED_URL).status_code == 200
    alert = SavedSearch.objects.get()
    assert alert.criteria == {"need": ["finance-grant"]} and alert.language == "fr"
    assert alert.confirmed_at is None and alert.user is None
    assert len(mail.outbox) == 1
    confirm_path, token = CONFIRM_LINK.search(mail.outbox[0].body).groups()
    assert token not in {alert.token_hash, alert.token_nonce}  # only a hash is stored
    assert SavedSearch.hash_token(token) == alert.token_hash

    # A mail scanner opening the link confirms nothing; the button does.
    page = client.get(confirm_path)
    assert page.status_code == 200 and '<form method="post">' in page.content.decode()
    alert.refresh_from_db()
    assert alert.confirmed_at is None
    response = client.post(confirm_path)
    assert response.status_code == 302 and response.url == reverse("guichet:alert", kwargs={"token": token})
    alert.refresh_from_db()
    assert alert.confirmed_at is not None
    manage = client.get(response.url).content.decode()
    assert "Obtenir une subvention" in manage
    assert alert.results_url().replace("&", "&amp;") in manage

    # A week later: only what is new since the confirmation, and matches the search.
    SavedSearch.objects.filter(pk=alert.pk).update(confirmed_at=ago(7), created_at=ago(7))
    today = timezone.localdate()
    new_match = ServiceFactory(name="Subvention nouvelle", needs=[needs["finance-grant"]])
    ServiceFactory(name="Prêt nouveau", needs=[needs["finance-loan"]])  # new, but does not match
    ServiceFactory(name="Subvention brouillon", needs=[needs["finance-grant"]], draft=True)
    opened_call = old(
        ServiceFactory(
            name="Appel ouvert cette semaine",
            call=True,
            opens_on=today - datetime.timedelta(days=3),
            closes_on=today + datetime.timedelta(days=30),
            needs=[needs["finance-grant"]],
        )
    )
    old(
        ServiceFactory(
            name="Appel qui ouvrira",
            call=True,
            opens_on=today + datetime.timedelta(days=5),
            needs=[needs["finance-grant"]],
        )
    )
    ServiceFactory(  # new, but closed: never proposed
        name="Appel clos",
        call=True,
        opens_on=today - datetime.timedelta(days=40),
        closes_on=today - datetime.timedelta(days=1),
        needs=[needs["finance-grant"]],
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        output = send_alerts()
    assert "1 alerts checked, 1 sent" in output
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["ana@example.org"]
    assert re.search(r"\b2\b", digest.subject)
    assert new_match.name in digest.body and opened_call.name in digest.body
    for absent in ("Prêt nouveau", "Subvention brouillon", "Appel qui ouvrira", "Appel clos", old_match.name):
        assert absent not in digest.body
    unsubscribe_url = f"http://127.0.0.1:8000{reverse('guichet:alert_unsubscribe', kwargs={'token': token})}"
    assert unsubscribe_url.endswith(f"/guichet/alertes/{token}/desabonner/")
    assert digest.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_url in digest.body and "/guichet/?need=finance-grant" in digest.body
    alert.refresh_from_db()
    assert alert.last_sent_at is not None
    assert OutgoingEmail.objects.filter(template="guichet/email/alert_digest", status="sent").count() == 1

    # Nothing new since: no mail.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "0 sent, 1 with nothing new" in send_alerts()
    assert mail.outbox == []

    # The mail client's one-click unsubscribe: a POST without a CSRF token, twice.
    mail_client = Client(enforce_csrf_checks=True)
    for _attempt in range(2):
        response = mail_client.post(
            path_of(unsubscribe_url), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 200
    alert.refresh_from_db()
    assert alert.unsubscribed_at is not None
    ServiceFactory(name="Subvention d'après", needs=[needs["finance-grant"]])
    with django_capture_on_commit_callbacks(execute=True):
        assert "0 alerts checked" in send_alerts()
    assert mail.outbox == []


def test_other_forms_still_need_the_csrf_token(needs):
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(CREATE_URL, {"email": "ana@example.org", "need": "finance-grant"}).status_code == 403
    alert = SavedSearch(email="ana@example.org", created_at=timezone.now())
    alert.set_criteria({"need": ["finance-grant"]})
    alert.set_token()
    alert.save()
    assert csrf_client.post(reverse("guichet:alert_confirm", kwargs={"token": alert.token})).status_code == 403


def test_unsubscribe_page_asks_before_unsubscribing(client, needs):
    alert = confirmed_alert()
    url = reverse("guichet:alert_unsubscribe", kwargs={"token": alert.token})
    page = client.get(url)
    assert page.status_code == 200 and "<button" in page.content.decode()
    alert.refresh_from_db()
    assert alert.unsubscribed_at is None
    assert client.post(url).status_code == 200
    alert.refresh_from_db()
    assert alert.unsubscribed_at is not None
    manage = client.get(reverse("guichet:alert", kwargs={"token": alert.token}))
    assert manage.status_code == 200 and f'action="{url}"' not in manage.content.decode()


def test_dry_run_sends_nothing_and_keeps_last_sent_at(needs, django_capture_on_commit_callbacks):
    alert = confirmed_alert()
    ServiceFactory(name="Subvention nouvelle", needs=[needs["finance-grant"]])
    with django_capture_on_commit_callbacks(execute=True):
        output = send_alerts("--dry-run")
    assert "Dry run" in output and "1 would be sent" in output
    assert mail.outbox == [] and not OutgoingEmail.objects.exists()
    alert.refresh_from_db()
    assert alert.last_sent_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert "1 sent" in send_alerts()
    assert len(mail.outbox) == 1


def test_one_failing_alert_does_not_stop_the_others(needs, monkeypatch, caplog, django_capture_on_commit_callbacks):
    broken = confirmed_alert(email="broken@example.org")
    fine = confirmed_alert(email="fine@example.org")
    ServiceFactory(name="Subvention nouvelle", needs=[needs["finance-grant"]])
    real = matching.match_among

    def match_among(criteria, ids, **kwargs):
        if SavedSearch.objects.get(pk=broken.pk).last_sent_at is None and not getattr(match_among, "done", False):
            match_among.done = True
            raise RuntimeError("boom")
        return real(criteria, ids, **kwargs)

    monkeypatch.setattr(matching, "match_among", match_among)
    with django_capture_on_commit_callbacks(execute=True):
        output = send_alerts()
    assert "1 sent" in output and "1 failed" in output
    assert [m.to for m in mail.outbox] == [["fine@example.org"]]
    assert f"alert {broken.pk}" in caplog.text
    broken.refresh_from_db(), fine.refresh_from_db()
    assert broken.last_sent_at is None and fine.last_sent_at is not None


def test_new_means_first_published_in_the_period(needs):
    """A draft created long ago and published today is new; a service published
    before the period, or republished, is not; a call is new when it opens."""
    draft = ServiceFactory(name="Brouillon ancien", needs=[needs["finance-grant"]], draft=True)
    Service.objects.filter(pk=draft.pk).update(created_at=ago(90))
    draft.refresh_from_db()
    assert draft.published_at is None
    draft.status = PublicationStatus.PUBLISHED
    draft.save()
    services.service_reindex(service=draft)
    assert draft.published_at is not None and timezone.now() - draft.published_at < datetime.timedelta(minutes=1)
    first = draft.published_at
    draft.status = PublicationStatus.ARCHIVED
    draft.save()
    services.service_reindex(service=draft)
    draft.status = PublicationStatus.PUBLISHED
    draft.save()
    services.service_reindex(service=draft)
    draft.refresh_from_db()
    assert draft.published_at == first  # the first publication counts

    now = timezone.now()
    today = timezone.localdate(now)
    since = now - datetime.timedelta(days=7)
    fresh = [
        (1, since + datetime.timedelta(hours=1), "permanent", None),
        (2, since - datetime.timedelta(hours=1), "permanent", None),
        (3, since - datetime.timedelta(days=30), "call", today - datetime.timedelta(days=2)),
        (4, since - datetime.timedelta(days=30), "call", timezone.localdate(since)),  # reported by the previous digest
        (5, since - datetime.timedelta(days=30), "call", today + datetime.timedelta(days=1)),
        (6, now + datetime.timedelta(seconds=1), "permanent", None),  # after this run: the next one
    ]
    assert services._new_service_ids(fresh, since, now, today) == {1, 3}


# --- Subscribing: checks ---------------------------------------------------------------------


def test_the_answer_is_the_same_whatever_the_address_has(client, needs, settings, django_capture_on_commit_callbacks):
    settings.GUICHET_ALERTS_PER_EMAIL = 2
    confirmed_alert(email="known@example.org")
    confirmed_alert(email="full@example.org", need=["finance-loan"])
    confirmed_alert(email="full@example.org", need=["finance-equity"])
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for email in ("nobody@example.org", "known@example.org", "full@example.org"):
            response = subscribe(client, email)
            answers.append((response.status_code, response.url))
    assert answers == [(302, REQUESTED_URL)] * 3
    # Each address learns, in its own mailbox only, what happened.
    by_address = {m.to[0]: m for m in mail.outbox}
    assert CONFIRM_LINK.search(by_address["nobody@example.org"].body)
    assert not CONFIRM_LINK.search(by_address["known@example.org"].body)
    assert MANAGE_LINK.search(by_address["known@example.org"].body)
    assert len(MANAGE_LINK.findall(by_address["full@example.org"].body)) == 2
    assert SavedSearch.objects.for_email("full@example.org").count() == 2  # the limit holds
    assert SavedSearch.objects.for_email("known@example.org").count() == 1  # no duplicate


def test_per_address_limit_counts_every_case_and_expired_requests_do_not(client, needs, settings):
    settings.GUICHET_ALERTS_PER_EMAIL = 2
    confirmed_alert(email="Ana@Example.org", need=["finance-loan"])
    stale = SavedSearch(email="ana@example.org", created_at=ago(settings.GUICHET_ALERTS_CONFIRM_DAYS + 1))
    stale.set_criteria({"need": ["finance-equity"]})
    stale.set_token()
    stale.save()
    subscribe(client, "ANA@example.org")  # the second: allowed (the stale request does not count)
    subscribe(client, "ana@example.org", need="protect-patent")  # the third: refused
    assert sorted(a.criteria["need"][0] for a in SavedSearch.objects.all()) == [
        "finance-equity",
        "finance-grant",
        "finance-loan",
    ]


def test_the_signed_in_owner_of_the_address_skips_confirmation(client, needs, settings):
    user = UserFactory(verified=True)
    client.force_login(user)
    response = subscribe(client, user.email.upper())
    alert = SavedSearch.objects.get()
    assert response.status_code == 302 and response.url == alert.get_absolute_url()
    assert alert.confirmed_at is not None and alert.user == user
    assert mail.outbox == []
    unsubscribe = reverse("guichet:alert_unsubscribe", kwargs={"token": alert.token})
    assert f'action="{unsubscribe}"' in client.get(response.url).content.decode()
    # At the limit, the owner is told plainly.
    settings.GUICHET_ALERTS_PER_EMAIL = 1
    response = subscribe(client, user.email, need="finance-loan")
    assert response.status_code == 409
    assert SavedSearch.objects.count() == 1


def test_a_signed_in_person_with_another_address_still_confirms(client, needs, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(verified=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert subscribe(client, "someone-else@example.org").url == REQUESTED_URL
    assert SavedSearch.objects.get().confirmed_at is None
    assert CONFIRM_LINK.search(mail.outbox[0].body)


def test_honeypot_answers_400_and_saves_nothing(client, needs):
    response = client.post(CREATE_URL, {"email": "bot@example.org", "need": "finance-grant", "website": "x"})
    assert response.status_code == 400
    assert not SavedSearch.objects.exists() and not OutgoingEmail.objects.exists()


def test_invalid_input_answers_400_and_saves_nothing(client, needs):
    for data in (
        {"email": "not-an-address", "need": "finance-grant"},
        {"email": "", "need": "finance-grant"},
        {"email": "ana@example.org", "need": "no-such-need"},
        {"email": "ana@example.org", "size": "-3"},
        {"email": "ana@example.org"},  # no criterion
    ):
        response = client.post(CREATE_URL, data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode()
    assert not SavedSearch.objects.exists() and not OutgoingEmail.objects.exists()
    assert client.get(CREATE_URL).status_code == 405


def test_subscriptions_are_rate_limited_per_ip_and_per_address(client, needs, settings):
    settings.GUICHET_ALERTS_RATE_IP = "2/h"
    assert subscribe(client, "a@example.org").status_code == 302
    assert subscribe(client, "b@example.org").status_code == 302
    assert subscribe(client, "c@example.org").status_code == 429
    settings.GUICHET_ALERTS_RATE_IP = "100/h"
    settings.GUICHET_ALERTS_RATE_EMAIL = "1/h"
    first = Client(REMOTE_ADDR="198.51.100.1").post(CREATE_URL, {"email": "d@example.org", "need": "finance-loan"})
    again = Client(REMOTE_ADDR="198.51.100.2").post(CREATE_URL, {"email": "D@example.org", "need": "finance-rd"})
    assert (first.status_code, again.status_code) == (302, 429)
    assert SavedSearch.objects.for_email("d@example.org").count() == 1


def test_hostile_text_is_saved_or_refused_and_rendered_inert(client, needs, settings):
    settings.GUICHET_ALERTS_RATE_IP = settings.GUICHET_ALERTS_RATE_EMAIL = "1000/h"
    statuses = assert_form_resists_hostile_input(
        client,
        CREATE_URL,
        "q",
        data=lambda name: {"email": f"{name.replace('_', '-')}@example.org"},
    )
    assert statuses["null_byte"] == 400 and statuses["very_long"] == 400
    assert statuses["script_tag"] == 302
    for alert in SavedSearch.objects.all():
        assert_inert(client.get(alert.get_absolute_url()).content)
        assert_inert(client.get(reverse("guichet:alert_confirm", kwargs={"token": alert.token})).content)
    saved = SavedSearch.objects.for_email("script-tag@example.org").get()
    assert saved.criteria["q"] == dict(HOSTILE_INPUTS)["script_tag"]
    statuses = assert_form_resists_hostile_input(client, CREATE_URL, "email", data={"need": "finance-grant"})
    assert set(statuses.values()) == {400}


def test_unknown_or_malformed_tokens_answer_404_with_a_page(client):
    for token in ("0" * 64, "not-a-token", "A" * 64, "0" * 65):
        for name in ("guichet:alert", "guichet:alert_confirm", "guichet:alert_unsubscribe"):
            response = client.get(reverse(name, kwargs={"token": token}))
            assert response.status_code == 404
            assert response.templates[0].name == "guichet/alert_problem.html"
            assert f'href="{reverse("guichet:finder")}"' in response.content.decode()
    assert client.post(reverse("guichet:alert_unsubscribe", kwargs={"token": "0" * 64})).status_code == 404


def test_an_expired_confirmation_link_is_refused_then_the_request_deleted(client, needs, settings):
    alert = SavedSearch(email="ana@example.org", created_at=ago(settings.GUICHET_ALERTS_CONFIRM_DAYS + 1))
    alert.set_criteria({"need": ["finance-grant"]})
    alert.set_token()
    alert.save()
    response = client.post(reverse("guichet:alert_confirm", kwargs={"token": alert.token}))
    assert response.status_code == 410
    alert.refresh_from_db()
    assert alert.confirmed_at is None
    unsubscribed = confirmed_alert(email="gone@example.org")
    SavedSearch.objects.filter(pk=unsubscribed.pk).update(unsubscribed_at=ago(services.UNSUBSCRIBED_KEPT_DAYS + 1))
    kept = confirmed_alert(email="kept@example.org")
    assert "2 deleted" in send_alerts()
    assert list(SavedSearch.objects.all()) == [kept]
    assert send_alerts("--dry-run").endswith("0 deleted\n")


def test_an_unsubscribed_alert_cannot_be_confirmed_again(client, needs):
    alert = confirmed_alert()
    services.search_alert_unsubscribe(alert=alert)
    response = client.post(reverse("guichet:alert_confirm", kwargs={"token": alert.token}))
    assert response.status_code == 409
    # Saving the same search again starts a new alert.
    subscribe(client)
    assert SavedSearch.objects.active().count() == 1 and SavedSearch.objects.count() == 2


# --- Retired reference data, languages -------------------------------------------------------


def test_retired_need_and_stage_keep_the_alert_working(client, needs, django_capture_on_commit_callbacks):
    stage = Stage.objects.get(code="growth")
    alert = confirmed_alert(need=["finance-grant"], stage="growth")
    Need.objects.filter(code="finance-grant").update(is_active=False)
    Stage.objects.filter(code="growth").update(is_active=False)
    matching.reset()
    page = client.get(alert.get_absolute_url())
    assert page.status_code == 200
    content = page.content.decode()
    assert "Obtenir une subvention ou répondre à un appel à projets" in content and stage.name_fr in content
    assert [row.retired for row in page.context["criteria"]] == [True, True]
    assert page.context["any_retired"]
    results = client.get(alert.results_url())
    assert results.status_code == 200
    ServiceFactory(name="Subvention de croissance", needs=[needs["finance-grant"]], stages=[stage])
    with django_capture_on_commit_callbacks(execute=True):
        assert "1 sent" in send_alerts()
    assert "Subvention de croissance" in mail.outbox[0].body


def test_an_alert_saved_in_english_is_mailed_in_english(client, needs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en{CREATE_URL}", {"email": "ana@example.org", "need": "finance-grant"})
    assert response.status_code == 302
    alert = SavedSearch.objects.get()
    assert alert.language == "en"
    confirmation = mail.outbox[0]
    assert "Confirm your alert" in confirmation.subject
    assert "Get a grant or answer a call for projects" in confirmation.body
    assert CONFIRM_LINK.search(confirmation.body).group(1).startswith("/en/")
    SavedSearch.objects.filter(pk=alert.pk).update(confirmed_at=ago(7))
    ServiceFactory(name="Subvention", name_en="Grant for growth", needs=[needs["finance-grant"]])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send_alerts()
    assert "1 new service for your search" in mail.outbox[0].subject
    assert "Grant for growth" in mail.outbox[0].body and "/en/guichet/" in mail.outbox[0].body


# --- Personal data --------------------------------------------------------------------------


def test_alerts_are_the_personal_data_of_the_account_that_verified_the_address(
    client, needs, django_capture_on_commit_callbacks
):
    user = UserFactory(verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(client, user.email)
    confirm_path = CONFIRM_LINK.search(mail.outbox[0].body).group(1)
    client.post(confirm_path)
    alert = SavedSearch.objects.get()
    assert alert.user == user  # tied at confirmation
    # An alert of an address verified later is tied when it is verified.
    later = confirmed_alert(email="second@example.org", need=["finance-loan"])
    address = EmailAddress.objects.create(user=user, email="second@example.org", verified=True, primary=False)
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    later.refresh_from_db()
    assert later.user == user
    other = confirmed_alert(email="someone@example.org")

    exported = personal_data.export(user)["guichet.alerts"]["data"]
    assert sorted(row["email"] for row in exported) == sorted([user.email, "second@example.org"])
    assert {"criteria", "confirmed_at", "last_sent_at", "unsubscribed_at"} <= set(exported[0])

    user_delete(user=user)
    assert list(SavedSearch.objects.all()) == [other]


def test_the_admin_lists_the_alerts_read_only(client, needs):
    alert = confirmed_alert()
    client.force_login(UserFactory(verified=True, is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:guichet_savedsearch_changelist"))
    assert listing.status_code == 200 and alert.email in listing.content.decode()
    page = client.get(reverse("admin:guichet_savedsearch_change", args=[alert.pk]))
    assert page.status_code == 200 and 'name="email"' not in page.content.decode()
    assert client.get(reverse("admin:guichet_savedsearch_add")).status_code == 403
