"""Delete the uploaded files nothing uses any more (helice.moderation.uploads):
images sent with refused, withdrawn or replaced proposals. Meant for cron."""

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from helice.moderation.uploads import unused_files


class Command(BaseCommand):
    help = (
        "Delete uploaded files that no row, no pending or published revision and no revision of the "
        "last --days days uses (images of refused, withdrawn or replaced proposals)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="keep anything younger (30)")
        parser.add_argument("--dry-run", action="store_true", help="list the files, delete nothing")

    def handle(self, *args, **options):
        if options["days"] < 1:
            raise CommandError("--days must be at least 1: a proposal being sent stores its file first.")
        names = unused_files(days=options["days"])
        for name in names:
            if options["dry_run"]:
                self.stdout.write(name)
            else:
                default_storage.delete(name)
        verb = "would be deleted" if options["dry_run"] else "deleted"
        self.stdout.write(f"{len(names)} unused file(s) {verb}.")
