"""Ask requesters what came of their request, a while after it closed (cron, daily)."""

from django.core.management.base import BaseCommand

from helice.referrals import services


class Command(BaseCommand):
    help = "Send the follow-up question to requesters REQUESTS_FOLLOWUP_DAYS after their request was closed."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent; send and change nothing.")

    def handle(self, *args, dry_run, **options):
        due = services.followups_send(dry_run=dry_run)
        for case in due:
            self.stdout.write(
                f"{'would ask' if dry_run else 'asked'} about {case.request.reference} ({case.organization.slug})"
            )
        self.stdout.write(f"{len(due)} follow-up(s){' (dry run)' if dry_run else ''}")
