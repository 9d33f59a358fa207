"""Load the territory's priority neighbourhoods (QPV) from the ANCT's GeoJSON
file of their outlines, in WGS84 (docs/spaces.md, "Spread over the territory")."""

from django.core.management.base import BaseCommand, CommandError

from helice.spaces import neighbourhoods, services


class Command(BaseCommand):
    help = (
        "Load the priority neighbourhoods (quartiers prioritaires de la politique de la ville) of the "
        "territory's communes from the ANCT's GeoJSON file (EPSG:4326). The list replaces the one loaded "
        "before; nothing is changed when the file cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the GeoJSON file (FeatureCollection of Polygon/MultiPolygon)")
        parser.add_argument("--source", default="", help="what the file is, e.g. “ANCT, QPV 2024, June 2024”")
        for key, default in neighbourhoods.DEFAULT_FIELDS.items():
            parser.add_argument(f"--{key}-field", default=default, help=f"property holding the {key} ({default})")

    def handle(self, *args, **options):
        fields = {key: options[f"{key}_field"] for key in neighbourhoods.DEFAULT_FIELDS}
        try:
            items = neighbourhoods.read(options["path"], fields)
        except neighbourhoods.NeighbourhoodFileError as exc:
            raise CommandError(f"{options['path']}: {exc}") from exc
        source = options["source"] or options["path"].rsplit("/", 1)[-1]
        counts = services.priority_neighbourhoods_replace(neighbourhoods=items, source=source)
        self.stdout.write(
            f"{len(items)} neighbourhoods in the file, {counts['outside']} outside the territory; "
            f"{counts['created']} created, {counts['updated']} updated, {counts['deleted']} removed."
        )
