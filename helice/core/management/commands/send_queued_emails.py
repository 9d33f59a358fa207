"""Send the e-mails of the outbox whose next attempt is due (cron, every few minutes)."""

from django.core.management.base import BaseCommand

from helice.core import mail


class Command(BaseCommand):
    help = "Send the queued e-mails that are due; failed ones are retried later with a growing delay."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many e-mails per run.")

    def handle(self, *args, limit, **options):
        sent, failed = mail.deliver_due(limit=limit)
        self.stdout.write(f"{sent} sent, {failed} still waiting or failed")
