"""Compute the indicators computed from Hélice's data (cron, daily)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from helice.strategy import services


class Command(BaseCommand):
    help = "Compute each computed indicator's value for every ended period (docs/strategy.md)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First period to compute (YYYY-MM-DD); default: each indicator's baseline.")
        parser.add_argument("--dry-run", action="store_true", help="Show the values; store nothing.")

    def handle(self, *args, since, dry_run, **options):
        try:
            start = datetime.date.fromisoformat(since) if since else None
        except ValueError:
            raise CommandError("--since must be a date (YYYY-MM-DD).") from None
        try:
            done = services.indicators_compute(since=start, dry_run=dry_run)
        except services.StrategyError as error:
            raise CommandError(" ".join(error.messages)) from None
        changed = sum(1 for *_rest, c in done if c)
        for indicator, period, value, was_changed in done:
            if dry_run or was_changed:
                self.stdout.write(f"{indicator.code} {period:%Y-%m}: {value}{'' if dry_run else ' (stored)'}")
        self.stdout.write(f"{len(done)} value(s) computed, {changed} changed{' (dry run)' if dry_run else ''}")
