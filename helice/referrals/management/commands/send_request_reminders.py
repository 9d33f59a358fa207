"""Remind organisations of requests left without an answer (cron, daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from helice.referrals import services


class Command(BaseCommand):
    help = (
        "Remind each organisation of the requests it has not answered, at the ages set by "
        "REQUESTS_REMINDER_DAYS (the last reminder also goes to the metropolis's team)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent; send and change nothing.")

    def handle(self, *args, dry_run, **options):
        due = services.reminders_send(dry_run=dry_run)
        steps = settings.REQUESTS_REMINDER_DAYS
        for case, step in due:
            self.stdout.write(
                f"{'would remind' if dry_run else 'reminded'} {case.organization.slug}: "
                f"{case.request.reference} (reminder {step}/{len(steps)}, {steps[step - 1]} days)"
            )
        self.stdout.write(f"{len(due)} reminder(s){' (dry run)' if dry_run else ''}")
