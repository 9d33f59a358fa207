"""Send the alerts' weekly digests (cron, once a week; docs/guichet.md, "Alerts")."""

from django.core.management.base import BaseCommand

from helice.guichet import services


class Command(BaseCommand):
    help = (
        "E-mail each confirmed alert the services and calls new since its last digest that fit its search; "
        "delete the alerts never confirmed in time and those unsubscribed long ago."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be sent; send, save and delete nothing."
        )

    def handle(self, *args, dry_run, **options):
        counts = services.search_alerts_send(dry_run=dry_run)
        prefix = "Dry run: " if dry_run else ""
        self.stdout.write(
            f"{prefix}{counts['checked']} alerts checked, {counts['sent']} "
            f"{'would be sent' if dry_run else 'sent'}, {counts['nothing_new']} with nothing new, "
            f"{counts['failed']} failed, {counts['purged']} deleted"
        )
        if counts["failed"]:
            self.stderr.write(f"{counts['failed']} alert(s) failed: see the log; they are tried again next run.")
