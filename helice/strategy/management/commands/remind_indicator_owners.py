"""Remind the owners of indicators whose next value is due (cron, weekly)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from helice.strategy import reminders


class Command(BaseCommand):
    help = (
        "E-mail each indicator owner the indicators entered by hand whose next value is late or due "
        "within --days days (one mail per owner)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=reminders.DEFAULT_DAYS,
            help=f"Remind of values due within this many days (default {reminders.DEFAULT_DAYS}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent; send nothing.")
        parser.add_argument("--today", help="Read the plan as on this date (YYYY-MM-DD); default: today.")

    def handle(self, *args, days, dry_run, today, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError(f"--today: “{today}” is not a date (YYYY-MM-DD).") from None
        due = reminders.owners_remind(today=day, days=days, dry_run=dry_run)
        for owner, items in due:
            listed = ", ".join(
                f"{i.indicator.code} ("
                + (
                    "no value yet"
                    if i.due is None
                    else f"{'late since' if i.overdue else 'due by'} {i.due.isoformat()}"
                )
                + ")"
                for i in items
            )
            self.stdout.write(f"{'would remind' if dry_run else 'reminded'} owner {owner.pk}: {listed}")
        self.stdout.write(f"{len(due)} reminder(s){' (dry run)' if dry_run else ''}")
