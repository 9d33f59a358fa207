"""The request engine under concurrency (real transactions in threads): a form sent
several times at once is one request; a confirmation opened twice at once sends
once; two handlers acting at once leave one consistent history."""

import uuid

import pytest

from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.models import OutgoingEmail
from helice.core.testing.concurrency import run_together
from helice.referrals import services
from helice.referrals.models import Case, CaseEvent, CaseStatus, EventKind, Request

from .factories import send_request

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_form_sent_five_times_at_once_is_one_request():
    provider = MembershipFactory()
    key = uuid.uuid4()

    def send():
        return services.request_create(
            kind="orientation",
            targets=[services.Target(organization=provider.organization)],
            route_to_team=False,
            submission_key=key,
            data={"name": "Ana", "email": "ana@example.org", "message": "Bonjour"},
        )

    results = run_together(*[send] * 5)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.request.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert Request.objects.count() == 1 and Case.objects.count() == 1
    assert OutgoingEmail.objects.filter(template="referrals/email/confirm").count() == 1


def test_a_confirmation_opened_twice_at_once_sends_once():
    provider = MembershipFactory()
    request_obj, _token = send_request(organizations=[provider.organization], confirm=False)
    results = run_together(
        lambda: services.request_confirm(request_obj=Request.objects.get(pk=request_obj.pk)),
        lambda: services.request_confirm(request_obj=Request.objects.get(pk=request_obj.pk)),
    )
    assert sorted(results) == [False, True], results
    case = Case.objects.get()
    assert case.events.filter(kind=EventKind.RECEIVED).count() == 1
    assert OutgoingEmail.objects.filter(template="referrals/email/new_case").count() == 1


def test_two_handlers_answering_and_closing_at_once_stay_consistent():
    provider = MembershipFactory()
    colleague = MembershipFactory(organization=provider.organization)
    for _round in range(3):
        request_obj, _ = send_request(organizations=[provider.organization])
        case = request_obj.cases.get()
        results = run_together(
            lambda c=case: services.case_take(case=Case.objects.get(pk=c.pk), by=provider.user),
            lambda c=case: services.case_take(case=Case.objects.get(pk=c.pk), by=colleague.user),
        )
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], services.InvalidTransition), results
        case.refresh_from_db()
        assert case.status == CaseStatus.TAKEN
        assert CaseEvent.objects.filter(case=case, to_status=CaseStatus.TAKEN).count() == 1
