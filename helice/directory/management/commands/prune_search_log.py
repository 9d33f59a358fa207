"""Delete old entries of the search index's change log (meant for a daily cron)."""

from django.core.management.base import BaseCommand

from helice.directory import services


class Command(BaseCommand):
    help = (
        "Delete change-log entries of the directory's search index older than --days "
        "(the newest entry is always kept). A process whose index stands on a deleted "
        "entry rebuilds its index on its next search."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="keep entries younger than this (default 7)")

    def handle(self, *args, days, **options):
        if days < 1:
            self.stderr.write("--days must be at least 1.")
            raise SystemExit(2)
        deleted = services.prune_search_log(days=days)
        self.stdout.write(f"Deleted {deleted} change-log entries older than {days} days.")
