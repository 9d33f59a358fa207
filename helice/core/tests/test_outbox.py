"""The persistent outbox: a notification is stored with the change it reports,
leaves after the commit, and is retried (never lost) when the server is down."""

import datetime

import pytest
from django.core import mail as django_mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from helice.core import mail
from helice.core.models import OutgoingEmail

pytestmark = pytest.mark.django_db

TEMPLATE = "accounts/email/join_request"  # any pair of templates will do
CONTEXT = {
    "organization": {"name": "Org"},
    "requester_name": "Jade",
    "requester_email": "jade@example.org",
    "message": "Bonjour",
    "url": "/x/",
}


class DownBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_queued_mail_leaves_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued = mail.send_after_commit(template=TEMPLATE, context=CONTEXT, recipients=["b@x.org", "a@x.org", ""])
        assert len(django_mail.outbox) == 0  # nothing before the commit
    queued.refresh_from_db()
    assert queued.status == OutgoingEmail.Status.SENT and queued.sent_at is not None and queued.attempts == 1
    assert len(django_mail.outbox) == 1 and django_mail.outbox[0].to == ["a@x.org", "b@x.org"]
    assert django_mail.outbox[0].subject == queued.subject


def test_rolled_back_change_queues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        mail.send_after_commit(template=TEMPLATE, context=CONTEXT, recipients=["a@x.org"])
        raise RuntimeError
    assert OutgoingEmail.objects.count() == 0


def test_no_recipient_queues_nothing():
    assert mail.send_after_commit(template=TEMPLATE, context=CONTEXT, recipients=["", None]) is None
    assert OutgoingEmail.objects.count() == 0


def test_server_down_then_back_retries_with_growing_delay(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    settings.EMAIL_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        queued = mail.send_after_commit(template=TEMPLATE, context=CONTEXT, recipients=["a@x.org"])
    queued.refresh_from_db()
    assert queued.status == OutgoingEmail.Status.PENDING and queued.attempts == 1
    assert "mail server down" in queued.last_error
    first_delay = queued.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=50) < first_delay <= datetime.timedelta(minutes=1)

    # Not due yet: the command leaves it alone.
    call_command("send_queued_emails")
    queued.refresh_from_db()
    assert queued.attempts == 1

    # Due, server still down: a second failure, a longer delay.
    OutgoingEmail.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())
    call_command("send_queued_emails")
    queued.refresh_from_db()
    assert queued.attempts == 2 and queued.next_attempt_at - timezone.now() > datetime.timedelta(minutes=4)

    # Server back: it leaves, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutgoingEmail.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())
    call_command("send_queued_emails")
    call_command("send_queued_emails")
    queued.refresh_from_db()
    assert queued.status == OutgoingEmail.Status.SENT and len(django_mail.outbox) == 1


def test_gives_up_after_the_maximum_and_keeps_the_row(settings):
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    settings.EMAIL_MAX_ATTEMPTS = 2
    queued = mail.send_after_commit(template=TEMPLATE, context=CONTEXT, recipients=["a@x.org"])
    assert mail.deliver(queued.pk) is False
    OutgoingEmail.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())
    assert mail.deliver_due() == (0, 1)
    queued.refresh_from_db()
    assert queued.status == OutgoingEmail.Status.FAILED and queued.next_attempt_at is None
    assert mail.deliver_due() == (0, 0)  # a failed mail waits for a person to requeue it


def test_a_sent_mail_is_never_sent_twice():
    queued = mail.send_after_commit(template=TEMPLATE, context=CONTEXT, recipients=["a@x.org"])
    assert mail.deliver(queued.pk) is True
    assert mail.deliver(queued.pk) is False
    assert len(django_mail.outbox) == 1


def test_headers_are_kept():
    queued = mail.send_after_commit(
        template=TEMPLATE, context=CONTEXT, recipients=["a@x.org"], headers={"List-Unsubscribe": "<https://x/u/>"}
    )
    mail.deliver(queued.pk)
    assert django_mail.outbox[0].extra_headers["List-Unsubscribe"] == "<https://x/u/>"
