"""CSV export of the directory (the current selection of the list page)."""

HEADER = [
    "slug",
    "name",
    "acronym",
    "kind",
    "helix",
    "sectors",
    "naf_code",
    "siren",
    "siret",
    "address",
    "postal_code",
    "commune_insee",
    "commune",
    "latitude",
    "longitude",
    "website",
    "founding_year",
    "headcount_band",
    "international",
    "tags",
    "description_fr",
    "description_en",
    "url",
]


class Echo:
    """A file-like object whose write returns the line, for streaming CSV."""

    def write(self, value):
        return value


def safe_cell(value):
    """Neutralise spreadsheet formulas (CSV injection): a cell never starts with = + - @."""
    if isinstance(value, int | float):
        return str(value)  # numbers (a negative longitude) are not formulas
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def organization_rows(organizations):
    """The CSV rows (header first) of an iterable of organisations with their
    detail relations loaded."""
    yield list(HEADER)
    for o in organizations:
        yield [
            safe_cell(v)
            for v in (
                o.slug,
                o.name,
                o.acronym,
                o.kind,
                o.helix,
                "|".join(s.slug for s in o.sectors.all()),
                o.naf_code,
                o.siren,
                o.siret,
                o.address,
                o.postal_code,
                o.commune.insee_code if o.commune else "",
                o.commune.name if o.commune else "",
                o.latitude,
                o.longitude,
                o.website,
                o.founding_year,
                o.headcount_band,
                "|".join(f"{a.country.code}:{a.kind}" for a in o.international_activities.all()),
                "|".join(t.slug for t in o.tags.all()),
                o.description_fr,
                o.description_en,
                o.get_absolute_url(),
            )
        ]
