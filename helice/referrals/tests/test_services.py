"""The request engine's rules: sending, confirming, routing, the state machine,
permissions, e-mails (and their failure), reminders, follow-ups, retention."""

import datetime
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.models import OutgoingEmail
from helice.directory.tests.factories import OrganizationFactory
from helice.referrals import selectors, services
from helice.referrals.models import Case, CaseEvent, CaseStatus, EventKind, Outcome, Request, RequestKind

from .factories import send_request

pytestmark = pytest.mark.django_db

NEW, TAKEN, ANSWERED, CLOSED, REDIRECTED = (
    CaseStatus.NEW,
    CaseStatus.TAKEN,
    CaseStatus.ANSWERED,
    CaseStatus.CLOSED,
    CaseStatus.REDIRECTED,
)


@pytest.fixture
def team(settings):
    organization = OrganizationFactory(slug="equipe-metropole")
    settings.REQUESTS_TEAM_ORGANIZATION = organization.slug
    return MembershipFactory(organization=organization)


@pytest.fixture
def provider():
    return MembershipFactory()


class DownBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def _templates(address: str) -> list[str]:
    """The referrals e-mails queued for ``address``, oldest first, by template name."""
    return [
        e.template.removeprefix("referrals/email/")
        for e in OutgoingEmail.objects.order_by("pk")
        if e.recipients == [address]
    ]


def _case(provider, **kwargs) -> Case:
    request_obj, _token = send_request(organizations=[provider.organization], **kwargs)
    return request_obj.cases.get()


# --- the state machine -------------------------------------------------------------


def test_transitions_are_written_once():
    assert services.TRANSITIONS[NEW] == {TAKEN, ANSWERED, REDIRECTED, CLOSED}
    assert services.TRANSITIONS[TAKEN] == {ANSWERED, REDIRECTED, CLOSED}
    assert services.TRANSITIONS[ANSWERED] == {ANSWERED, CLOSED}
    assert services.TRANSITIONS[CLOSED] == frozenset() and services.TRANSITIONS[REDIRECTED] == frozenset()


def test_full_life_is_dated_and_visible(provider, django_capture_on_commit_callbacks):
    case = _case(provider)
    user = provider.user
    with django_capture_on_commit_callbacks(execute=True):
        services.case_take(case=case, by=user)
        services.case_answer(case=case, by=user, message="Venez nous voir mardi.")
        services.case_close(case=case, by=user)
    case.refresh_from_db()
    assert case.status == CLOSED and case.assignee == user
    assert case.received_at <= case.taken_at <= case.first_answer_at <= case.closed_at
    kinds = list(case.events.values_list("kind", "from_status", "to_status"))
    assert kinds == [
        (EventKind.RECEIVED, "", ""),
        (EventKind.STATUS, NEW, TAKEN),
        (EventKind.ANSWER, TAKEN, ANSWERED),
        (EventKind.STATUS, ANSWERED, CLOSED),
    ]
    to_requester = _templates("ana@example.org")
    assert to_requester == ["receipt", "taken", "answered", "closed"] or to_requester == [
        "confirm",
        "taken",
        "answered",
        "closed",
    ]
    answer = OutgoingEmail.objects.get(template="referrals/email/answered")
    assert "Venez nous voir mardi." in answer.body and answer.status == OutgoingEmail.Status.SENT


@pytest.mark.parametrize("final", [CLOSED, REDIRECTED])
def test_nothing_moves_a_finished_case(provider, final):
    case = _case(provider)
    if final == CLOSED:
        services.case_close(case=case, by=provider.user, message="Hors de notre champ.")
    else:
        services.case_redirect(case=case, by=provider.user, organization=OrganizationFactory(), reason="Mieux placé.")
    case.refresh_from_db()
    for act in (
        lambda: services.case_take(case=case, by=provider.user),
        lambda: services.case_answer(case=case, by=provider.user, message="x"),
        lambda: services.case_close(case=case, by=provider.user, message="x"),
    ):
        with pytest.raises(services.InvalidTransition):
            act()
    case.refresh_from_db()
    assert case.status == final


def test_taking_twice_is_refused(provider):
    case = _case(provider)
    services.case_take(case=case, by=provider.user)
    with pytest.raises(services.InvalidTransition):
        services.case_take(case=case, by=provider.user)


def test_closing_without_an_answer_needs_a_reason(provider):
    case = _case(provider)
    with pytest.raises(services.RequestError):
        services.case_close(case=case, by=provider.user, message="  ")
    case.refresh_from_db()
    assert case.status == NEW and case.events.count() == 1


def test_an_empty_answer_is_refused_and_changes_nothing(provider):
    case = _case(provider)
    with pytest.raises(services.RequestError):
        services.case_answer(case=case, by=provider.user, message="<p> </p>")
    case.refresh_from_db()
    assert case.status == NEW and case.first_answer_at is None


# --- permissions --------------------------------------------------------------------


def test_who_may_handle_a_case(provider, team):
    case = _case(provider)
    outsider = MembershipFactory()  # a member of another organisation
    administrator = UserFactory(administrator=True)
    moderator = UserFactory(moderator=True)
    assert provider.user.has_perm("referrals.handle_case", case)
    assert team.user.has_perm("referrals.handle_case", case)
    assert administrator.has_perm("referrals.handle_case", case)
    assert not outsider.user.has_perm("referrals.handle_case", case)
    assert not moderator.has_perm("referrals.handle_case", case)  # moderators see content, not requesters
    assert not UserFactory().has_perm("referrals.handle_case", case)
    for user in (outsider.user, moderator):
        with pytest.raises(PermissionDenied):
            services.case_answer(case=case, by=user, message="Bonjour")
    case.refresh_from_db()
    assert case.status == NEW


def test_inbox_shows_only_what_one_may_handle(provider, team):
    mine = _case(provider)
    other = _case(MembershipFactory())
    unconfirmed, _ = send_request(organizations=[provider.organization], confirm=False)
    assert list(selectors.inbox(provider.user)) == [mine]  # neither others' nor unconfirmed ones
    assert set(selectors.inbox(team.user)) == {mine, other}
    assert selectors.case_for(provider.user, other.pk) is None
    assert selectors.case_for(provider.user, unconfirmed.cases.get().pk) is None


# --- sending and confirming ----------------------------------------------------------


def test_anonymous_request_waits_for_the_address_to_be_confirmed(provider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_obj, token = send_request(organizations=[provider.organization], confirm=False)
    case = request_obj.cases.get()
    assert not request_obj.is_submitted and case.received_at is None
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]  # only the confirmation
    assert token in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        assert services.request_confirm(request_obj=request_obj) is True
        assert services.request_confirm(request_obj=request_obj) is False  # twice: once
    case.refresh_from_db()
    assert case.received_at is not None
    provider_mails = [m for m in mail.outbox if m.to == [provider.user.email]]
    assert len(provider_mails) == 1 and f"/mon-espace/demandes/{case.pk}/" in provider_mails[0].body


def test_a_verified_account_sends_at_once(provider, django_capture_on_commit_callbacks):
    user = UserFactory(verified=True, email="jade@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        request_obj, _token = send_request(
            organizations=[provider.organization], user=user, email="jade@example.org", confirm=False
        )
    assert request_obj.is_submitted and request_obj.user == user
    assert {tuple(m.to) for m in mail.outbox} == {("jade@example.org",), (provider.user.email,)}


def test_an_account_with_another_address_still_confirms(provider):
    user = UserFactory(verified=True, email="jade@example.org")
    request_obj, _token = send_request(
        organizations=[provider.organization], user=user, email="autre@example.org", confirm=False
    )
    assert not request_obj.is_submitted


def test_the_same_submission_key_is_one_request(provider):
    key = uuid.uuid4()
    target = [services.Target(organization=provider.organization)]
    data = {"name": "Ana", "email": "ana@example.org", "message": "Bonjour"}
    first = services.request_create(
        kind="orientation", targets=target, route_to_team=False, submission_key=key, data=data
    )
    second = services.request_create(
        kind="orientation", targets=target, route_to_team=False, submission_key=key, data=data
    )
    assert first.created and not second.created and first.request.pk == second.request.pk
    assert Request.objects.count() == 1 and Case.objects.count() == 1


def test_a_request_needs_a_destination_an_address_and_a_message(provider):
    base = {"kind": "orientation", "submission_key": uuid.uuid4(), "route_to_team": False}
    target = [services.Target(organization=provider.organization)]
    with pytest.raises(services.RequestError):
        services.request_create(targets=[], data={"email": "a@x.org", "message": "m"}, **base)
    with pytest.raises(services.RequestError):
        services.request_create(targets=target, data={"email": "", "message": "m"}, **base)
    with pytest.raises(services.RequestError):
        services.request_create(targets=target, data={"email": "a@x.org", "message": "   "}, **base)
    with pytest.raises(services.RequestError):
        services.request_create(targets=target, data={"email": "a@x.org", "message": "m", "siren": "123456789"}, **base)
    assert Request.objects.count() == 0 and Case.objects.count() == 0


def test_one_case_per_organisation_and_team_routing(provider, team):
    request_obj, _ = send_request(organizations=[provider.organization, provider.organization], route=True)
    cases = list(request_obj.cases.order_by("pk"))
    assert [(c.organization_id, c.routing) for c in cases] == [
        (provider.organization_id, False),
        (team.organization_id, True),
    ]


def test_one_organisation_chosen_twice_gets_one_case_naming_both_subjects(provider):
    """Two subjects of one organisation (two services of a provider, two spaces of an
    operator): one case, about the first, whose label names both; any model with a
    primary key can be a subject (here organisations stand in for spaces)."""
    first, second = OrganizationFactory(name="Atelier Nord"), OrganizationFactory(name="Atelier Sud")
    other = MembershipFactory().organization
    created = services.request_create(
        kind=RequestKind.SETTLEMENT,
        targets=[
            services.Target(organization=provider.organization, subject=first),
            services.Target(organization=other, subject=second),
            services.Target(organization=provider.organization, subject=second),
            services.Target(organization=provider.organization, subject=first),
        ],
        route_to_team=False,
        submission_key=uuid.uuid4(),
        data={"email": "a@x.org", "message": "Nous cherchons 40 m²."},
    )
    cases = list(created.request.cases.order_by("pk"))
    assert [(c.organization, c.subject, c.subject_label) for c in cases] == [
        (provider.organization, first, "Atelier Nord, Atelier Sud"),
        (other, second, "Atelier Sud"),
    ]


def test_routing_without_a_team_is_refused(settings, provider):
    settings.REQUESTS_TEAM_ORGANIZATION = "nobody"
    with pytest.raises(services.RequestError):
        send_request(organizations=[], route=True)
    assert Request.objects.count() == 0


def test_an_organisation_without_members_makes_the_team_aware(team, django_capture_on_commit_callbacks):
    orphan = OrganizationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        send_request(organizations=[orphan])
    to_team = [m for m in mail.outbox if m.to == [team.user.email]]
    assert len(to_team) == 1 and orphan.name in to_team[0].body


def test_a_mail_server_down_loses_nothing(settings, provider, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    with django_capture_on_commit_callbacks(execute=True):
        request_obj, _ = send_request(organizations=[provider.organization])
    assert request_obj.cases.get().received_at is not None
    waiting = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING)
    assert {tuple(e.recipients) for e in waiting} >= {(provider.user.email,), ("ana@example.org",)}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())
    from helice.core import mail as core_mail

    core_mail.deliver_due()
    assert not OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING).exists()
    assert any(m.to == [provider.user.email] for m in mail.outbox)


# --- redirecting ------------------------------------------------------------------------


def test_redirect_keeps_the_reason_and_opens_a_case_elsewhere(provider, django_capture_on_commit_callbacks):
    case = _case(provider)
    other = MembershipFactory()
    with django_capture_on_commit_callbacks(execute=True):
        new_case = services.case_redirect(
            case=case, by=provider.user, organization=other.organization, reason="Ils financent l'export."
        )
    case.refresh_from_db()
    assert case.status == REDIRECTED and case.closed_at is not None
    assert case.events.last().message == "Ils financent l'export."
    assert new_case.redirected_from == case and new_case.status == NEW and new_case.received_at is not None
    assert other.user.has_perm("referrals.handle_case", new_case)
    assert any(m.to == [other.user.email] for m in mail.outbox)
    requester = [m for m in mail.outbox if m.to == ["ana@example.org"] and "Ils financent l'export." in m.body]
    assert requester


def test_redirect_needs_a_reason_and_another_organisation(provider):
    case = _case(provider)
    with pytest.raises(services.RequestError):
        services.case_redirect(case=case, by=provider.user, organization=OrganizationFactory(), reason="")
    with pytest.raises(services.RequestError):
        services.case_redirect(case=case, by=provider.user, organization=provider.organization, reason="x")
    case.refresh_from_db()
    assert case.status == NEW and Case.objects.count() == 1


# --- the requester's side ---------------------------------------------------------------


def test_satisfaction_and_outcome_only_once_closed(provider):
    case = _case(provider)
    with pytest.raises(services.RequestError):
        services.case_rate(case=case, satisfaction=5)
    services.case_answer(case=case, by=provider.user, message="Voici.")
    services.case_close(case=case, by=provider.user)
    case.refresh_from_db()
    with pytest.raises(services.RequestError):
        services.case_rate(case=case, satisfaction=6)
    services.case_rate(case=case, satisfaction=4, comment="Rapide.")
    services.case_report_outcome(case=case, outcome=Outcome.SUPPORTED)
    case.refresh_from_db()
    assert (case.satisfaction, case.satisfaction_comment, case.outcome) == (4, "Rapide.", Outcome.SUPPORTED)
    with pytest.raises(services.RequestError):
        services.case_report_outcome(case=case, outcome="won-the-lottery")


def test_requester_message_reaches_the_handlers(provider, django_capture_on_commit_callbacks):
    case = _case(provider)
    with django_capture_on_commit_callbacks(execute=True):
        services.requester_message(case=case, message="Une précision : nous sommes 3.")
    assert case.events.filter(kind=EventKind.REQUESTER).exists()
    assert any(m.to == [provider.user.email] and "nous sommes 3" in m.body for m in mail.outbox)


def test_internal_notes_are_not_public(provider):
    case = _case(provider)
    services.case_note(case=case, by=provider.user, message="Dossier déjà connu.")
    request_obj = case.request
    (shown,) = selectors.requester_cases(request_obj)
    assert all(e.kind != EventKind.NOTE for e in shown.public_events)


# --- reminders, follow-ups, retention ------------------------------------------------------


def test_reminders_follow_the_configured_rhythm(settings, provider, team, django_capture_on_commit_callbacks):
    settings.REQUESTS_REMINDER_DAYS = [7, 14, 21]
    case = _case(provider)
    start = case.received_at
    assert services.reminders_send(now=start + datetime.timedelta(days=6)) == []
    dry = services.reminders_send(now=start + datetime.timedelta(days=7), dry_run=True)
    assert [(c.pk, step) for c, step in dry] == [(case.pk, 1)]
    case.refresh_from_db()
    assert case.reminders_sent == 0 and not case.events.filter(kind=EventKind.REMINDER).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert len(services.reminders_send(now=start + datetime.timedelta(days=7))) == 1
        assert services.reminders_send(now=start + datetime.timedelta(days=8)) == []  # not twice
        services.reminders_send(now=start + datetime.timedelta(days=14))
        services.reminders_send(now=start + datetime.timedelta(days=30))
        assert services.reminders_send(now=start + datetime.timedelta(days=60)) == []  # three at most
    case.refresh_from_db()
    assert case.reminders_sent == 3
    reminders = list(OutgoingEmail.objects.filter(template="referrals/email/reminder").order_by("pk"))
    assert len(reminders) == 3
    assert set(reminders[-1].recipients) == {provider.user.email, team.user.email}  # the last one also to the team
    assert reminders[0].recipients == [provider.user.email]


def test_an_answered_case_is_not_reminded(provider):
    case = _case(provider)
    services.case_answer(case=case, by=provider.user, message="Voici.")
    assert services.reminders_send(now=timezone.now() + datetime.timedelta(days=30)) == []


def test_followup_after_closing(settings, provider, django_capture_on_commit_callbacks):
    settings.REQUESTS_FOLLOWUP_DAYS = 60
    case = _case(provider)
    services.case_answer(case=case, by=provider.user, message="Voici.")
    services.case_close(case=case, by=provider.user)
    case.refresh_from_db()
    old_hash = case.request.token_hash
    soon = case.closed_at + datetime.timedelta(days=59)
    later = case.closed_at + datetime.timedelta(days=61)
    assert services.followups_send(now=soon) == []
    assert len(services.followups_send(now=later, dry_run=True)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert len(services.followups_send(now=later)) == 1
        assert services.followups_send(now=later) == []
    case.refresh_from_db()
    assert case.followup_sent_at is not None and case.request.token_hash != old_hash
    (followup,) = [m for m in mail.outbox if "/demandes/suivi/" in m.body and m.to == ["ana@example.org"]][-1:]
    token = followup.body.split("/demandes/suivi/")[1].split("/")[0]
    assert services.request_by_token(token) == case.request


def test_retention_anonymises_and_keeps_the_figures(settings, provider):
    settings.REQUESTS_RETENTION_DAYS = 365
    case = _case(provider, phone="0601020304", siren="732829320", company_name="Acme")
    services.case_answer(case=case, by=provider.user, message="Bonjour Ana, voici.")
    services.case_close(case=case, by=provider.user)
    services.case_rate(case=case, satisfaction=5, comment="Merci Paul")
    recent, _ = send_request(organizations=[provider.organization])
    stale_unconfirmed, _ = send_request(organizations=[provider.organization], confirm=False)
    Request.objects.filter(pk=stale_unconfirmed.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    now = timezone.now() + datetime.timedelta(days=400)
    Request.objects.filter(pk=recent.pk).update(submitted_at=now - datetime.timedelta(days=10))
    CaseEvent.objects.filter(case__request=recent).update(at=now - datetime.timedelta(days=10))
    before = selectors.organization_statistics(provider.organization)

    assert services.requests_anonymise(now=now, dry_run=True) == {"anonymised": 1, "deleted_unconfirmed": 1}
    assert Request.objects.filter(anonymised_at__isnull=False).count() == 0
    assert services.requests_anonymise(now=now) == {"anonymised": 1, "deleted_unconfirmed": 1}

    gone = Request.objects.get(pk=case.request_id)
    assert (gone.name, gone.email, gone.phone, gone.siren, gone.company_name) == ("", "", "", "", "")
    assert gone.message == services.ANONYMISED and gone.anonymised_at is not None
    assert not CaseEvent.objects.filter(case__request=gone, message__contains="Ana").exists()
    case.refresh_from_db()
    assert case.satisfaction == 5 and case.satisfaction_comment == ""
    assert Request.objects.get(pk=recent.pk).email == "ana@example.org"  # still active: kept
    assert not Request.objects.filter(pk=stale_unconfirmed.pk).exists()
    after = selectors.organization_statistics(provider.organization)
    assert (after.received, after.answered, after.satisfaction_average) == (
        before.received,
        before.answered,
        before.satisfaction_average,
    )
    assert services.request_by_token("anything") is None


def test_personal_data_export_and_erasure(provider):
    from helice.core import personal_data

    user = UserFactory(verified=True, email="jade@example.org")
    request_obj, _ = send_request(
        organizations=[provider.organization], user=user, email="jade@example.org", confirm=False
    )
    exported = personal_data.export(user)["referrals.requests"]["data"]
    assert (
        exported[0]["email"] == "jade@example.org"
        and exported[0]["cases"][0]["organization"] == provider.organization.name
    )
    assert personal_data.export(UserFactory())["referrals.requests"]["data"] == []
    personal_data.erase(user)
    request_obj.refresh_from_db()
    assert request_obj.email == "" and request_obj.user is None and request_obj.anonymised_at is not None


def test_kind_is_checked(provider):
    with pytest.raises(services.RequestError):
        services.request_create(
            kind="gossip",
            targets=[services.Target(organization=provider.organization)],
            route_to_team=False,
            submission_key=uuid.uuid4(),
            data={"email": "a@x.org", "message": "m"},
        )
    assert RequestKind.ORIENTATION in RequestKind.values
