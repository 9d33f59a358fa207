"""Remind the operators of spaces whose availability is stale (cron, daily or weekly)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from helice.spaces import reminders


class Command(BaseCommand):
    help = (
        "E-mail the members of the organisations running a space whose availability is older than "
        "SPACES_AVAILABILITY_MAX_AGE_DAYS (or never confirmed), with a link to confirm it; each space "
        "at most once every SPACES_REMINDER_INTERVAL_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent; send and record nothing.")
        parser.add_argument("--today", help="Read the availabilities as on this date (YYYY-MM-DD); default: now.")

    def handle(self, *args, dry_run, today, **options):
        now = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"--today: “{today}” is not a date (YYYY-MM-DD).") from None
            now = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        due = reminders.operators_remind(now=now, dry_run=dry_run)
        for person, spaces in due:
            listed = ", ".join(space.slug for space in spaces)
            self.stdout.write(f"{'would remind' if dry_run else 'reminded'} person {person.pk}: {listed}")
        self.stdout.write(f"{len(due)} reminder(s){' (dry run)' if dry_run else ''}")
