"""``manage.py load_territory <territory> [--if-empty]``: load a territory's dataset.

Reads ``helice/core/data/<territory>/``: the reference data first (priority
domains, sectors, communes), then the organisations, then what later parts
register (``core.services.register_territory_loader``: the guichet's taxonomy and
services…). Everything happens in one
transaction, so a file that fails validation changes nothing. Records are
matched by their natural keys: running the command again updates them.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from helice.core.services import (
    TerritoryDataError,
    territory_load_reference,
    territory_loaders,
    territory_names,
    territory_path,
)
from helice.directory.models import Organization
from helice.directory.services import organizations_load


class Command(BaseCommand):
    help = "Load a territory's reference data and organisations from helice/core/data/<territory>/."

    def add_arguments(self, parser):
        parser.add_argument("territory", help=f"name of the data folder ({', '.join(territory_names()) or 'none'})")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already holds organisations",
        )

    def handle(self, *args, territory, if_empty, **options):
        try:
            path = territory_path(territory)
        except TerritoryDataError as error:
            raise CommandError(str(error)) from None
        if if_empty and Organization.objects.exists():
            self.stdout.write("Organisations already present: nothing loaded (--if-empty).")
            return
        try:
            with transaction.atomic():
                reference = territory_load_reference(path=path)
                organizations = organizations_load(path=path)
                others = [(label, loader(path=path)) for label, loader in territory_loaders()]
        except TerritoryDataError as error:
            raise CommandError(f"Nothing was loaded. {error}") from None
        for label, counts in (
            ("priority domains", reference["priority_domains"]),
            ("sectors", reference["sectors"]),
            ("communes", reference["communes"]),
            ("organisations", organizations),
            *others,
        ):
            self.stdout.write(f"{label}: {counts['total']} ({counts['created']} created, {counts['updated']} updated)")
        self.stdout.write(self.style.SUCCESS(f"Territory “{territory}” loaded."))
