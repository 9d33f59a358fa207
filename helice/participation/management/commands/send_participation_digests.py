"""Send the daily digests of participation news (cron, once a day; docs/participation.md)."""

from django.core.management.base import BaseCommand

from helice.participation import notifications


class Command(BaseCommand):
    help = (
        "E-mail each person who chose a daily digest the news of what they follow not sent yet "
        "(replies, official answers, changes of state, answers, new proposals). Idempotent: an item "
        "is never sent twice, a second run sends only what is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be sent; send and save nothing.")

    def handle(self, *args, dry_run, **options):
        counts = notifications.digests_send(dry_run=dry_run)
        prefix = "Dry run: " if dry_run else ""
        verb = "would be sent" if dry_run else "sent"
        self.stdout.write(
            f"{prefix}{counts['people']} digest(s) {verb} with {counts['items']} item(s), {counts['failed']} failed"
        )
        if counts["failed"]:
            self.stderr.write(f"{counts['failed']} digest(s) failed: see the log; they are tried again next run.")
