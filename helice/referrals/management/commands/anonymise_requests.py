"""Erase requesters' personal data past the retention period (cron, daily)."""

from django.core.management.base import BaseCommand

from helice.referrals import services


class Command(BaseCommand):
    help = (
        "Anonymise requests with no activity for REQUESTS_RETENTION_DAYS (statuses, dates and marks stay "
        "for the statistics) and delete requests never confirmed within REQUESTS_UNCONFIRMED_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be done; change nothing.")

    def handle(self, *args, dry_run, **options):
        counts = services.requests_anonymise(dry_run=dry_run)
        prefix = "would be " if dry_run else ""
        self.stdout.write(
            f"{counts['anonymised']} request(s) {prefix}anonymised, "
            f"{counts['deleted_unconfirmed']} unconfirmed request(s) {prefix}deleted"
        )
