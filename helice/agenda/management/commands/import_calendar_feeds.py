"""Import the partners' calendar feeds into the agenda (meant for cron, e.g. every hour)::

    python manage.py import_calendar_feeds              # every active feed
    python manage.py import_calendar_feeds --feed 12    # one feed, even paused
    python manage.py import_calendar_feeds --dry-run    # read and compare, save nothing

One line per feed; a feed's failure is recorded on it (and mailed to its
partner the first time) and never stops the others. The exit status is 0 even
when feeds failed: their partners are the ones to act."""

from django.core.management.base import BaseCommand, CommandError

from helice.agenda import services_partner
from helice.agenda.models import CalendarFeed, FeedStatus


class Command(BaseCommand):
    help = "Import the partners' iCalendar feeds into the agenda."

    def add_arguments(self, parser):
        parser.add_argument("--feed", type=int, help="Import only this feed (its id), even when it is paused.")
        parser.add_argument("--dry-run", action="store_true", help="Fetch, read and compare; save nothing.")

    def handle(self, *args, feed=None, dry_run=False, **options):
        if feed is not None and not CalendarFeed.objects.filter(pk=feed).exists():
            raise CommandError(f"No calendar feed has the id {feed}.")
        reports = services_partner.feeds_import(feed_id=feed, dry_run=dry_run)
        for report in reports:
            style = self.style.ERROR if report.status == FeedStatus.ERROR else self.style.SUCCESS
            self.stdout.write(style(report.summary()))
            for problem in report.problems[:20]:
                self.stdout.write(f"  skipped: {problem}")
        failed = sum(1 for r in reports if r.status == FeedStatus.ERROR)
        prefix = "Dry run: nothing saved. " if dry_run else ""
        self.stdout.write(f"{prefix}{len(reports)} feed(s), {failed} failed.")
