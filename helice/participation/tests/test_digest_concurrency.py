"""Two digest runs at once (cron overlapping a manual run) on PostgreSQL: each
person's news is locked while its mail is queued, so every item goes out once."""

import pytest
from django.db import connection

from helice.accounts.tests.factories import UserFactory
from helice.core.models import OutgoingEmail
from helice.core.testing.concurrency import run_together
from helice.participation import notifications, services_comments
from helice.participation.models import Notification, NotificationFrequency

from .factories import ParticipationSettingsFactory, ProposalFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL): real row locks")
def test_simultaneous_digest_runs_send_each_item_once(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    proposal = ProposalFactory()
    readers = []
    for n in range(6):
        reader = UserFactory(verified=True)
        ParticipationSettingsFactory(user=reader, frequency=NotificationFrequency.DAILY)
        mine = services_comments.comment_create(proposal=proposal, author=reader, body=f"Remarque {n}")
        services_comments.comment_create(
            proposal=proposal, author=UserFactory(verified=True), body="Réponse", parent=mine
        )
        readers.append(reader)
    assert Notification.objects.filter(sent_at__isnull=True).count() == 6

    results = run_together(*[notifications.digests_send] * 4)
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(result["items"] for result in results) == 6
    assert sum(result["failed"] for result in results) == 0
    digests = OutgoingEmail.objects.filter(template="participation/email/digest")
    assert sorted(r for e in digests for r in e.recipients) == sorted(r.email for r in readers)
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
