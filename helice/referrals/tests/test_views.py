"""The request engine's pages: inbox and case page (permissions, actions, bad
input), the requester's private page, link resend, statistics and exports."""

import csv
import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.directory.tests.factories import OrganizationFactory
from helice.referrals import selectors, services
from helice.referrals.models import Case, CaseStatus, Outcome

from .factories import send_request

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def provider():
    return MembershipFactory()


@pytest.fixture
def case(provider):
    request_obj, _ = send_request(organizations=[provider.organization], phone="0611223344")
    return request_obj.cases.get()


def _token(request_obj) -> str:
    token = request_obj.set_token()
    request_obj.save(update_fields=["token_hash"])
    return token


# --- inbox and case page ------------------------------------------------------------------


def test_inbox_needs_an_account_and_a_membership(client, case):
    assert client.get("/mon-espace/demandes/").status_code == 302  # to the login page
    client.force_login(UserFactory(verified=True))
    assert client.get("/mon-espace/demandes/").status_code == 404


def test_case_page_is_a_404_for_anyone_else(client, case):
    url = f"/mon-espace/demandes/{case.pk}/"
    for user in (MembershipFactory().user, UserFactory(moderator=True), UserFactory(verified=True)):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "take"}).status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


def test_inbox_filters(client, provider, case):
    other, _ = send_request(organizations=[provider.organization])
    services.case_answer(case=other.cases.get(), by=provider.user, message="Voici.")
    client.force_login(provider.user)
    open_page = client.get("/mon-espace/demandes/").content.decode()
    assert case.request.reference in open_page and other.reference not in open_page
    answered = client.get("/mon-espace/demandes/", {"statut": "answered"}).content.decode()
    assert other.reference in answered and case.request.reference not in answered
    everything = client.get("/mon-espace/demandes/", {"statut": ""}).content.decode()
    assert other.reference in everything and case.request.reference in everything
    Case.objects.filter(pk=case.pk).update(received_at=timezone.now() - datetime.timedelta(days=9))
    late = client.get("/mon-espace/demandes/", {"retard": "1"}).content.decode()
    assert case.request.reference in late
    assert client.get("/mon-espace/demandes/", {"statut": "nonsense", "page": "x"}).status_code == 200


def test_handler_actions_through_the_page(client, provider, case):
    url = f"/mon-espace/demandes/{case.pk}/"
    client.force_login(provider.user)
    page = client.get(url).content.decode()
    assert "0611223344" in page and 'value="take"' in page
    assert client.post(url, {"action": "take"}).status_code == 302
    assert client.post(url, {"action": "take"}).status_code == 409  # already taken
    assert client.post(url, {"action": "answer", "message": ""}).status_code == 400
    assert client.post(url, {"action": "answer", "message": "x" * 5001}).status_code == 400
    assert client.post(url, {"action": "explode"}).status_code == 400
    assert client.post(url, {"action": "note", "message": "Vu au salon."}).status_code == 302
    assert client.post(url, {"action": "answer", "message": "Bienvenue."}).status_code == 302
    assert client.post(url, {"action": "close"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    history = client.get(url).content.decode()
    assert "Vu au salon." in history and "Bienvenue." in history


def test_redirect_through_the_page(client, provider, case):
    url = f"/mon-espace/demandes/{case.pk}/"
    target = MembershipFactory().organization
    client.force_login(provider.user)
    assert client.post(url, {"action": "redirect", "organization": target.slug, "message": ""}).status_code == 400
    assert client.post(url, {"action": "redirect", "organization": "no-such", "message": "x"}).status_code == 400
    response = client.post(url, {"action": "redirect", "organization": target.slug, "message": "Ils font l'export."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REDIRECTED
    new_case = Case.objects.get(organization=target)
    assert new_case.redirected_from == case
    # The former handler no longer sees the new case.
    assert client.get(f"/mon-espace/demandes/{new_case.pk}/").status_code == 404


# --- the requester's private page --------------------------------------------------------


def test_unknown_or_replaced_link(client, case):
    assert client.get("/demandes/suivi/nope/").status_code == 404
    old = _token(case.request)
    _token(case.request)  # a new link replaces the old one
    assert client.get(f"/demandes/suivi/{old}/").status_code == 404


def test_requester_writes_rates_and_reports_the_outcome(client, provider, case, django_capture_on_commit_callbacks):
    token = _token(case.request)
    url = f"/demandes/suivi/{token}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(url, {"action": "message", "case": case.pk, "message": "Nous sommes trois."}).status_code == 302
        )
    assert any(m.to == [provider.user.email] and "Nous sommes trois." in m.body for m in mail.outbox)
    assert client.post(url, {"action": "rate", "case": case.pk, "satisfaction": "5"}).status_code == 400  # not closed
    services.case_answer(case=case, by=provider.user, message="Voici.")
    services.case_close(case=case, by=provider.user)
    page = client.get(url).content.decode()
    assert 'name="satisfaction"' in page and 'name="outcome"' in page
    assert client.post(url, {"action": "rate", "case": case.pk, "satisfaction": "9"}).status_code == 400
    assert (
        client.post(url, {"action": "rate", "case": case.pk, "satisfaction": "4", "comment": "Utile"}).status_code
        == 302
    )
    assert client.post(url, {"action": "outcome", "case": case.pk, "outcome": Outcome.SUPPORTED}).status_code == 302
    assert client.post(url, {"action": "message", "case": case.pk, "message": "Encore ?"}).status_code == 400  # closed
    other = send_request()[0].cases.get()
    assert client.post(url, {"action": "rate", "case": other.pk, "satisfaction": "1"}).status_code == 400  # not theirs
    case.refresh_from_db()
    other.refresh_from_db()
    assert (case.satisfaction, case.outcome, other.satisfaction) == (4, Outcome.SUPPORTED, None)


def test_private_page_hides_internal_notes_and_the_handlers(client, provider, case):
    services.case_note(case=case, by=provider.user, message="Profil peu sérieux")
    services.case_answer(case=case, by=provider.user, message="Voici notre réponse.")
    page = client.get(f"/demandes/suivi/{_token(case.request)}/").content.decode()
    assert "Voici notre réponse." in page and "Profil peu sérieux" not in page
    assert provider.user.public_name not in page


def test_link_resend_does_not_tell_whether_an_address_exists(client, case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/demandes/suivi/", {"email": "ana@example.org"})
        unknown = client.post("/demandes/suivi/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda html: re.sub(r"[A-Za-z0-9]{64}", "", html)  # noqa: E731  (CSRF tokens)
    assert strip(known.content.decode()) == strip(unknown.content.decode())
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    token = re.search(r"/demandes/suivi/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert client.get(f"/demandes/suivi/{token}/").status_code == 200
    assert client.post("/demandes/suivi/", {"email": "bad"}).status_code == 400
    assert client.post("/demandes/suivi/", {"email": "ana@example.org", "website": "x"}).status_code == 200
    assert len(mail.outbox) == 1  # the honeypot sends nothing
    for _ in range(3):
        client.post("/demandes/suivi/", {"email": "ana@example.org"})
    assert client.post("/demandes/suivi/", {"email": "ana@example.org"}).status_code == 429


# --- statistics ------------------------------------------------------------------------------


def test_working_days_skip_weekends_and_holidays():
    friday = datetime.datetime(2026, 12, 4, 12, tzinfo=PARIS)
    monday = datetime.datetime(2026, 12, 7, 12, tzinfo=PARIS)
    assert selectors.working_days_between(friday, monday) == pytest.approx(1.0)
    before_christmas = datetime.datetime(2026, 12, 24, 12, tzinfo=PARIS)  # Thursday; the 25th is a holiday
    after = datetime.datetime(2026, 12, 28, 12, tzinfo=PARIS)  # Monday
    assert selectors.working_days_between(before_christmas, after) == pytest.approx(1.0)
    assert selectors.working_days_between(monday, friday) == 0.0


def _answered_after(provider, days: int, satisfaction: int | None = None):
    request_obj, _ = send_request(organizations=[provider.organization])
    case = request_obj.cases.get()
    services.case_answer(case=case, by=provider.user, message="Voici.")
    received = datetime.datetime(2026, 3, 2, 9, tzinfo=PARIS)  # a Monday
    Case.objects.filter(pk=case.pk).update(
        received_at=received, first_answer_at=received + datetime.timedelta(days=days)
    )
    if satisfaction:
        services.case_close(case=case, by=provider.user)
        services.case_rate(case=Case.objects.get(pk=case.pk), satisfaction=satisfaction)
    return case


def test_statistics_follow_the_rules(provider):
    _answered_after(provider, 1, satisfaction=5)  # Tuesday: 1 working day
    _answered_after(provider, 4)  # Friday: 4
    _answered_after(provider, 9, satisfaction=2)  # Wednesday next week: 7
    send_request(organizations=[provider.organization])  # still open
    stats = selectors.organization_statistics(provider.organization)
    assert (stats.received, stats.open, stats.answered, stats.answered_in_time) == (4, 1, 3, 2)
    assert stats.share_in_time_percent == 50
    assert stats.median_days_to_answer == 4.0
    assert (stats.satisfaction_average, stats.satisfaction_count) == (3.5, 2)
    assert selectors.organization_statistics(provider.organization, year=2031).received == 0


def test_public_statistics_page_and_csv(client, provider):
    provider.organization.name = "=HYPERLINK(evil)"
    provider.organization.save()
    _answered_after(provider, 1, satisfaction=4)
    page = client.get("/demandes/statistiques/")
    assert page.status_code == 200
    html = page.content.decode()
    assert ("100 %" in html and "4.0" in html) or "4,0" in html
    assert "ana@example.org" not in html  # no personal data
    assert client.get("/demandes/statistiques/", {"year": "abc"}).status_code == 400
    response = client.get("/demandes/statistiques.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["organisation", "slug", "received"]
    assert rows[1][0] == "'=HYPERLINK(evil)" and rows[1][2] == "1" and rows[1][7] == "1.000"


def test_inbox_csv_holds_only_my_organisations(client, provider, case):
    send_request(organizations=[OrganizationFactory(name="Autre")])
    client.force_login(provider.user)
    rows = list(
        csv.reader(io.StringIO(client.get("/mon-espace/demandes/statistiques.csv").content.decode("utf-8-sig")))
    )
    assert [r[1] for r in rows[1:]] == [provider.organization.slug]


def test_my_space_and_partner_space_show_the_requests(client, provider, case):
    client.force_login(provider.user)
    my_space = client.get("/mon-espace/").content.decode()
    assert "/mon-espace/demandes/" in my_space
    partner = client.get(f"/mon-espace/organisations/{provider.organization.slug}/").content.decode()
    assert f"/mon-espace/demandes/?organisation={provider.organization.slug}" in partner
    client.force_login(UserFactory(verified=True))
    assert "/mon-espace/demandes/" not in client.get("/mon-espace/").content.decode()
