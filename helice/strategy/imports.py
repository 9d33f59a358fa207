"""Import of measurements from a CSV or XLSX file (strategy managers, docs/strategy.md).

Three steps, all or nothing:

1. ``read_file`` turns an upload into records (the row's number in the file and its
   cells as text), or raises :class:`ImportFileError` for the file as a whole: too
   large, not a CSV or XLSX file (checked by content, not by name), not UTF-8,
   wrong columns, no row, too many rows.
2. ``check_rows`` validates every record against the plan and says, row by row,
   what it would change (a new value, a correction before → after, a new comment
   or source, nothing) or what is wrong. Nothing is saved.
3. ``measurements_import`` applies checked rows in one transaction through
   ``services.measurement_set`` (history kept), or raises before saving anything
   when a row has an error.

Between the preview and the confirmation the records travel signed
(``records_dump`` / ``records_load``: salted with the user, valid one hour) and are
checked again on confirmation: values are never taken back from the browser
unsigned, and what changed in between (another person's entry) is seen."""

from __future__ import annotations

import csv
import datetime
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import services
from . import status as st
from .models import Indicator, Measurement, Plan

MAX_BYTES = 2 * 1024 * 1024
# Each row goes through services.measurement_set (about a dozen queries, with its
# history): some 4 ms a row, so 5,000 rows stay well within a web request's 30 s.
MAX_ROWS = 5_000
# An XLSX file is a zip archive: refuse archives that unpack to far more than their
# size (a "zip bomb" is small on disk, huge in memory).
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_COLUMNS = 30
MAX_COMMENT = 2000
MAX_SOURCE = 300  # Measurement.source
MAX_VALUE = Decimal("1e12")  # Measurement.value: 16 digits, 4 after the point
EXTENSIONS = (".csv", ".txt", ".xlsx")
ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOKEN_MAX_AGE = 3600  # seconds between the preview and the confirmation
SALT = "helice.strategy.imports"

REQUIRED = ("indicator", "period", "value")
OPTIONAL = ("comment", "source")
# Columns of the template that help people fill it in; read and ignored.
INFORMATIVE = ("name", "unit", "frequency")
ALIASES = {
    "indicator": "indicator",
    "indicateur": "indicator",
    "code": "indicator",
    "period": "period",
    "période": "period",
    "periode": "period",
    "value": "value",
    "valeur": "value",
    "comment": "comment",
    "commentaire": "comment",
    "source": "source",
    "name": "name",
    "nom": "name",
    "unit": "unit",
    "unité": "unit",
    "unite": "unit",
    "frequency": "frequency",
    "fréquence": "frequency",
    "frequence": "frequency",
}

NEW, CORRECTION, NOTE, UNCHANGED, SKIPPED, ERROR = "new", "correction", "note", "unchanged", "skipped", "error"
KINDS = (NEW, CORRECTION, NOTE, UNCHANGED, SKIPPED, ERROR)

PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``message`` says why, for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- step 1: reading the file -------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """A row of the file: its number (the header is row 1) and its cells as text."""

    line: int
    indicator: str = ""
    period: str = ""
    value: str = ""
    comment: str = ""
    source: str = ""
    extra: bool = False  # cells beyond the named columns

    def as_list(self) -> list:
        return [self.line, self.indicator, self.period, self.value, self.comment, self.source, self.extra]


def _expected_columns() -> str:
    return ", ".join([*REQUIRED, *OPTIONAL])


def _header(cells: list[str]) -> list[str | None]:
    """The canonical name of each column (None for an empty trailing cell)."""
    names: list[str | None] = []
    unknown, seen = [], set()
    for cell in cells:
        raw = (cell or "").strip().strip('"').strip().lstrip("\ufeff")
        if not raw:
            names.append(None)
            continue
        name = ALIASES.get(raw.lower())
        if name is None:
            unknown.append(raw[:40])
        elif name in seen:
            raise ImportFileError(_("The column “%(column)s” appears twice.") % {"column": raw[:40]})
        seen.add(name)
        names.append(name)
    if unknown:
        raise ImportFileError(
            ngettext(
                "Unknown column: %(columns)s. The columns are: %(expected)s.",
                "Unknown columns: %(columns)s. The columns are: %(expected)s.",
                len(unknown),
            )
            % {"columns": ", ".join(unknown), "expected": _expected_columns()}
        )
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise ImportFileError(
            ngettext(
                "The column %(columns)s is missing. The first row must name the columns: %(expected)s.",
                "The columns %(columns)s are missing. The first row must name the columns: %(expected)s.",
                len(missing),
            )
            % {"columns": ", ".join(missing), "expected": _expected_columns()}
        )
    return names


def _records(rows, *, cell_text) -> list[Record]:
    """Records from an iterator of rows (lists of cells), the first being the header."""
    iterator = iter(rows)
    header = None
    line = 0
    for cells in iterator:
        line += 1
        if any(str(c).strip() for c in cells if c is not None):
            header = _header([str(c) if c is not None else "" for c in cells])
            break
    if header is None:
        raise ImportFileError(_("The file is empty."))
    records = []
    for cells in iterator:
        line += 1
        values: dict[str, str] = {}
        extra = False
        for position, cell in enumerate(cells):
            name = header[position] if position < len(header) else None
            if name in REQUIRED or name in OPTIONAL:
                values[name] = cell_text(name, cell)
            elif name is None and cell is not None and str(cell).strip():
                extra = True
        if not extra and not any(values.values()):
            continue  # a blank row
        if len(records) >= MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": f"{MAX_ROWS:,}"}
            )
        records.append(Record(line=line, extra=extra, **values))
    if not records:
        raise ImportFileError(_("The file has no row to import under its header."))
    return records


def _csv_text(name: str, cell) -> str:
    return (cell or "").strip()


def _read_csv(data: bytes) -> list[Record]:
    if b"\x00" in data:
        raise ImportFileError(_("This file is not a CSV text file. Send a CSV (UTF-8) or XLSX file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "This file is not encoded in UTF-8. In your spreadsheet, save it as “CSV UTF-8” "
                "(or send it as an XLSX file)."
            )
        ) from None
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if ";" in first_line else "\t" if "\t" in first_line else ","
    try:
        return _records(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True), cell_text=_csv_text
        )
    except csv.Error:
        raise ImportFileError(_("This CSV file is malformed (a quote left open, or a cell far too long).")) from None


def _xlsx_text(name: str, cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    if isinstance(cell, float):
        if name == "period" and cell.is_integer():
            return str(int(cell))
        return repr(cell)
    return str(cell).strip()


def _read_xlsx(data: bytes) -> list[Record]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(_("This XLSX file is damaged or is not an XLSX file.")) from None
    if "xl/workbook.xml" not in names:
        raise ImportFileError(_("This file is not an XLSX spreadsheet. Send a CSV (UTF-8) or XLSX file."))
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(_("This XLSX file is too large once unpacked. Split it into smaller files."))
    workbook = None
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read: the values are what counts.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            if not workbook.worksheets:
                raise ImportFileError(_("This XLSX file has no sheet."))
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # read every row, whatever size the file declares
            rows = (list(row) for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True))
            return _records(rows, cell_text=_xlsx_text)
    except ImportFileError:
        raise
    except Exception:  # openpyxl raises many kinds of error on damaged files: all are refusals.
        raise ImportFileError(_("This XLSX file is damaged or could not be read.")) from None
    finally:
        if workbook is not None:
            workbook.close()


def read_file(uploaded) -> list[Record]:
    """The records of an uploaded CSV or XLSX file, recognised by its content; or
    :class:`ImportFileError`."""
    name = (getattr(uploaded, "name", "") or "").lower()
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ImportFileError(
            _("This file is too large (%(size)s). The maximum is %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(MAX_BYTES)}
        )
    uploaded.seek(0)
    data = uploaded.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("This file is too large. The maximum is %(max)s.") % {"max": filesizeformat(MAX_BYTES)})
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if not name.endswith(EXTENSIONS):
        raise ImportFileError(_("Send a CSV (UTF-8) or XLSX file."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("Files in the old Excel format (.xls) are not read. Save it as XLSX or CSV (UTF-8)."))
    is_zip = data.startswith(b"PK\x03\x04")
    if name.endswith(".xlsx") != is_zip:
        raise ImportFileError(_("The file's content does not match its extension. Send a CSV (UTF-8) or XLSX file."))
    return _read_xlsx(data) if is_zip else _read_csv(data)


# --- step 2: checking the rows --------------------------------------------------------------


@dataclass
class Row:
    record: Record
    indicator: Indicator | None = None
    period: datetime.date | None = None
    value: Decimal | None = None
    comment: str = ""
    source: str = ""
    kind: str = ""
    before: Decimal | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.record.line

    @property
    def period_label(self) -> str:
        return period_text(self.period, self.indicator.frequency) if self.period and self.indicator else ""


@dataclass
class Preview:
    rows: list[Row]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for row in self.rows:
            counts[row.kind] += 1
        return counts

    @property
    def has_errors(self) -> bool:
        return any(row.kind == ERROR for row in self.rows)

    @property
    def changes(self) -> int:
        return sum(1 for row in self.rows if row.kind in (NEW, CORRECTION, NOTE))

    def ordered(self) -> list[Row]:
        """Rows with an error first, then the others, each in the file's order."""
        return sorted(self.rows, key=lambda row: (row.kind != ERROR, row.line))


def parse_period(text: str) -> datetime.date | None:
    """YYYY-MM-DD, YYYY-MM or YYYY; None when it is none of these or not a date."""
    match = PERIOD_RE.match(text.strip())
    if not match:
        return None
    year, month, day = (int(part) if part else 1 for part in match.groups())
    if not 1900 <= year <= 2100:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def parse_value(text: str) -> Decimal | None:
    """A number as people write it: ``1234.5``, ``1234,5``, ``1 234,5``, ``-3``; rounded to
    4 decimals. None for anything else (text, two separators, NaN, infinity, too large)."""
    raw = text.strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if raw.count(",") == 1 and "." not in raw:
        raw = raw.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?", raw):
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) >= MAX_VALUE:
        return None
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _number_text(value: Decimal | None) -> str:
    return services._as_text(value)


def check_rows(records: list[Record], *, plan: Plan, today: datetime.date | None = None) -> Preview:
    """Validate every record against ``plan`` and say what it would change. Saves nothing."""
    today = today or timezone.localdate()
    indicators = {
        i.code: i for i in Indicator.objects.filter(objective__axis__plan=plan).select_related("objective__axis__plan")
    }
    used = {indicators[r.indicator].pk for r in records if r.indicator in indicators}
    stored = {
        (m.indicator_id, m.period): m
        for m in Measurement.objects.filter(indicator_id__in=used).only(
            "indicator_id", "period", "value", "comment", "source"
        )
    }
    seen: dict[tuple[str, datetime.date], int] = {}
    rows = []
    for record in records:
        row = Row(record=record, comment=record.comment, source=record.source)
        rows.append(row)
        if record.extra:
            row.errors.append(
                _(
                    "This row has more cells than the first row names: a decimal comma in a file separated "
                    "by commas? Separate the columns with “;” or put the value in quotes."
                )
            )
        if not record.value and not row.errors:
            row.kind = SKIPPED  # a row of the template left empty
            continue
        row.indicator = indicators.get(record.indicator)
        if not record.indicator:
            row.errors.append(_("The indicator's code is missing."))
        elif row.indicator is None:
            row.errors.append(_("No indicator of the plan has the code “%(code)s”.") % {"code": record.indicator[:40]})
        elif row.indicator.computation:
            row.errors.append(
                _("Indicator %(code)s is computed from Hélice's data: its values are not entered by hand.")
                % {"code": row.indicator.code}
            )
        period = parse_period(record.period) if record.period else None
        if not record.period:
            row.errors.append(_("The period is missing."))
        elif period is None:
            row.errors.append(
                _("“%(period)s” is not a period: write YYYY-MM-DD, YYYY-MM or YYYY.") % {"period": record.period[:40]}
            )
        row.value = parse_value(record.value) if record.value else None
        if not record.value:
            row.errors.append(_("The value is missing."))
        elif row.value is None:
            row.errors.append(_("“%(value)s” is not a number.") % {"value": record.value[:40]})
        if len(record.comment) > MAX_COMMENT:
            row.errors.append(_("The comment is longer than %(max)s characters.") % {"max": f"{MAX_COMMENT:,}"})
        if len(record.source) > MAX_SOURCE:
            row.errors.append(_("The source is longer than %(max)s characters.") % {"max": MAX_SOURCE})
        if period is not None and row.indicator is not None:
            row.period = st.period_start(period, row.indicator.frequency)
            if row.period > today:
                row.errors.append(_("The period %(period)s has not begun yet.") % {"period": row.period_label})
            key = (row.indicator.code, row.period)
            if key in seen:
                row.errors.append(
                    _("Row %(line)d already gives the value of %(code)s for the period %(period)s.")
                    % {"line": seen[key], "code": row.indicator.code, "period": row.period_label}
                )
            else:
                seen[key] = record.line
        if row.errors:
            row.kind = ERROR
            continue
        existing = stored.get((row.indicator.pk, row.period))
        # An empty comment or source keeps the one stored.
        row.comment = record.comment or (existing.comment if existing else "")
        row.source = record.source or (existing.source if existing else "")
        if existing is None:
            row.kind = NEW
        elif existing.value != row.value:
            row.kind, row.before = CORRECTION, existing.value
        elif existing.comment != row.comment or existing.source != row.source:
            row.kind, row.before = NOTE, existing.value
        else:
            row.kind, row.before = UNCHANGED, existing.value
    return Preview(rows)


# --- carrying the checked file to the confirmation ----------------------------------------------


class PreviewExpired(Exception):
    pass


def records_dump(records: list[Record], *, user, name: str = "") -> str:
    """The records, compressed and signed for this user (a hidden field of the confirmation)."""
    return signing.dumps(
        {"name": name[:200], "rows": [r.as_list() for r in records]}, salt=f"{SALT}:{user.pk}", compress=True
    )


def records_load(token: str, *, user) -> tuple[list[Record], str]:
    """The records signed by ``records_dump`` for this user within the hour, and the
    file's name; :class:`PreviewExpired` for anything else."""
    try:
        data = signing.loads(token, salt=f"{SALT}:{user.pk}", max_age=TOKEN_MAX_AGE)
        return [Record(*row) for row in data["rows"]], str(data.get("name", ""))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise PreviewExpired from None


# --- step 3: applying them -----------------------------------------------------------------------


def measurements_import(*, preview: Preview, by) -> dict[str, int]:
    """Apply every row of a checked file in one transaction through
    ``services.measurement_set`` (each change recorded with its author), or nothing:
    a preview with an error is refused before anything is saved, and an error on
    the way rolls everything back. Returns the counts of the preview's kinds."""
    if by is None or not by.has_perm("strategy.manage_plan"):
        raise PermissionDenied
    if preview.has_errors:
        raise ValueError("A file with errors cannot be imported.")
    with transaction.atomic():
        for row in preview.rows:
            if row.kind in (NEW, CORRECTION, NOTE):
                services.measurement_set(
                    indicator=row.indicator,
                    period=row.period,
                    value=row.value,
                    by=by,
                    comment=row.comment,
                    source=row.source,
                )
    return preview.counts


# --- the template ----------------------------------------------------------------------------------


def period_text(day: datetime.date, frequency: str) -> str:
    return str(day.year) if frequency == "yearly" else day.strftime("%Y-%m")


def template_rows(plan: Plan, *, today: datetime.date | None = None) -> list[list[str]]:
    """One row per indicator entered by hand: code, name, unit, frequency and the next
    period to measure (the one after the latest value; empty when none yet)."""
    today = today or timezone.localdate()
    latest = {}
    for indicator_id, period in Measurement.objects.filter(indicator__objective__axis__plan=plan).values_list(
        "indicator_id", "period"
    ):
        latest[indicator_id] = max(period, latest.get(indicator_id, period))
    rows = []
    indicators = Indicator.objects.filter(objective__axis__plan=plan, computation="").order_by(
        "objective__axis__position", "objective__position", "position", "code"
    )
    for indicator in indicators:
        next_period = ""
        if indicator.pk in latest:
            following = st.add_months(latest[indicator.pk], st.MONTHS[indicator.frequency])
            if following <= today:
                next_period = period_text(following, indicator.frequency)
        rows.append(
            [indicator.code, indicator.name, indicator.unit, indicator.get_frequency_display(), next_period, "", "", ""]
        )
    return rows


TEMPLATE_HEADER = ["indicator", "name", "unit", "frequency", "period", "value", "comment", "source"]
