"""Import of measurements from CSV or XLSX, through HTTP: upload, preview (nothing
saved), confirmation (all rows in one transaction, or none); bad files refused
with clear errors and nothing half-imported."""

import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from helice.accounts.tests.factories import UserFactory
from helice.core.testing.hostile import assert_inert
from helice.strategy import imports, services
from helice.strategy.models import ChangeRecord, Indicator, Measurement

from .factories import make_plan, measure

pytestmark = pytest.mark.django_db
URL = "/en/strategie/import/"
TOKEN = re.compile(r'name="token" value="([^"]+)"')


@pytest.fixture
def plan():
    return make_plan()


@pytest.fixture
def manager(client):
    user = UserFactory(strategy_manager=True)
    client.force_login(user)
    return user


def csv_file(text: str, name: str = "values.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows, name: str = "values.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, file):
    return client.post(URL, {"file": file})


def token_of(response) -> str:
    match = TOKEN.search(response.content.decode())
    assert match, "no confirmation form"
    return match.group(1)


# --- who may import ---------------------------------------------------------------------------


def test_only_strategy_managers_import(client, plan):
    for path in ("/strategie/import/", "/strategie/import/modele.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    file = "indicator;period;value\n1.1.1;2024;150\n"
    for user in (UserFactory(verified=True), UserFactory(moderator=True), UserFactory(observatory_analyst=True)):
        client.force_login(user)
        assert client.get("/strategie/import/").status_code == 403
        assert client.get("/strategie/import/modele.csv").status_code == 403
        assert upload(client, csv_file(file)).status_code == 403
        assert client.post(URL, {"token": "forged"}).status_code == 403
    assert Measurement.objects.count() == 0
    client.force_login(UserFactory(strategy_manager=True))
    page = client.get("/strategie/import/")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()


def test_the_entry_grid_links_to_the_import_for_managers_only(client, plan):
    client.force_login(UserFactory(strategy_manager=True))
    assert 'href="/strategie/import/"' in client.get("/strategie/saisie/").content.decode()
    client.logout()
    assert 'href="/strategie/import/"' not in client.get("/strategie/").content.decode()


# --- the whole flow ----------------------------------------------------------------------------


def test_csv_preview_then_confirm_with_history(client, plan, manager):
    measure(plan["jobs"], datetime.date(2023, 1, 1), 130)
    measure(plan["jobs"], datetime.date(2022, 1, 1), 120)
    Measurement.objects.filter(indicator=plan["jobs"], period=datetime.date(2022, 1, 1)).update(comment="Insee")
    text = (
        "\ufeffIndicator;Period;Value;Comment;Source\n"
        "1.1.1;2024;150;;Insee 2025\n"  # new
        "1.1.1;2023-06-30;135,5;Corrigé;\n"  # correction of 2023 (yearly: any day of the year)
        "1.1.1;2022;120;;\n"  # unchanged (an empty comment keeps the stored one)
        "2.1.1;2024-03;1 234,5;;\n"  # new (monthly), a space between thousands
        "2.1.1;2024-04;;;\n"  # no value: skipped
        "\n"
    )
    response = upload(client, csv_file(text))
    assert response.status_code == 200
    html = response.content.decode()
    assert Measurement.objects.count() == 2 and not ChangeRecord.objects.exists()  # nothing saved yet
    assert "2 new values" in html and "1 correction" in html and "1 unchanged" in html
    assert "1 row without a value, skipped" in html
    assert "Correction: 130 → 135.5" in html
    assert "Unchanged" in html and "Skipped: no value" in html
    token = token_of(response)

    response = client.post(URL, {"token": token})
    assert response.status_code == 302 and response["Location"] == "/en/strategie/import/"
    values = {(m.indicator.code, m.period): m for m in Measurement.objects.select_related("indicator")}
    assert values[("1.1.1", datetime.date(2024, 1, 1))].value == 150
    assert values[("1.1.1", datetime.date(2024, 1, 1))].source == "Insee 2025"
    assert values[("1.1.1", datetime.date(2023, 1, 1))].value == Decimal("135.5")
    assert values[("1.1.1", datetime.date(2023, 1, 1))].comment == "Corrigé"
    assert values[("1.1.1", datetime.date(2022, 1, 1))].comment == "Insee"
    assert values[("2.1.1", datetime.date(2024, 3, 1))].value == Decimal("1234.5")
    assert values[("2.1.1", datetime.date(2024, 3, 1))].entered_by == manager
    assert len(values) == 4
    history = {(c.indicator.code, c.before, c.after) for c in ChangeRecord.objects.filter(field="value")}
    assert history == {("1.1.1", "", "150"), ("1.1.1", "130", "135.5"), ("2.1.1", "", "1234.5")}
    assert all(c.author == manager for c in ChangeRecord.objects.all())
    followed = client.get(response["Location"]).content.decode()
    assert "3 rows imported from values.csv (2 new, 1 corrected)." in followed
    # The same token again changes nothing more (every row is now unchanged).
    client.post(URL, {"token": token})
    assert ChangeRecord.objects.filter(field="value").count() == 3


def test_xlsx_with_dates_and_numbers(client, plan, manager):
    file = xlsx_file(
        [
            ["indicator", "period", "value", "comment"],
            ["1.1.1", datetime.datetime(2024, 5, 1), 150, "tableur"],
            ["2.1.1", "2024-02", 0.1 + 0.2, None],  # a float from a formula: rounded to 4 decimals
            ["2.1.1", 2023, "12,5", None],  # a year typed as a number, a text value with a comma
            [None, None, None, None],
        ]
    )
    response = upload(client, file)
    assert response.status_code == 200, response.content.decode()
    assert "3 new values" in response.content.decode()
    client.post(URL, {"token": token_of(response)})
    values = {(m.indicator.code, m.period): m.value for m in Measurement.objects.select_related("indicator")}
    assert values == {
        ("1.1.1", datetime.date(2024, 1, 1)): Decimal("150"),
        ("2.1.1", datetime.date(2024, 2, 1)): Decimal("0.3"),
        ("2.1.1", datetime.date(2023, 1, 1)): Decimal("12.5"),
    }


def test_comma_delimiter_and_french_column_names(client, plan, manager):
    response = upload(client, csv_file('indicateur,période,valeur\n1.1.1,2024,"1234,5"\n2.1.1,2024-01,7\n'))
    assert response.status_code == 200
    client.post(URL, {"token": token_of(response)})
    assert Measurement.objects.count() == 2


def test_a_file_that_changes_nothing_offers_no_confirmation(client, plan, manager):
    measure(plan["jobs"], datetime.date(2023, 1, 1), 130)
    response = upload(client, csv_file("indicator;period;value\n1.1.1;2023;130\n"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This file changes nothing" in html and 'name="token"' not in html
    # The same value with a new comment: the comment is saved, the value's history untouched.
    response = upload(client, csv_file("indicator;period;value;comment\n1.1.1;2023;130;Chiffre définitif\n"))
    assert "1 new comment or source" in response.content.decode()
    client.post(URL, {"token": token_of(response)})
    assert Measurement.objects.get().comment == "Chiffre définitif"
    assert not ChangeRecord.objects.filter(field="value").exists()


def test_an_upload_without_a_file_is_a_clear_400(client, plan, manager):
    response = client.post(URL, {})
    assert response.status_code == 400 and 'aria-invalid="true"' in response.content.decode()


# --- bad files: clear errors, nothing half-imported ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("indicator;value\n1.1.1;12\n", "The column period is missing."),
        ("code;date;valeur\n1.1.1;2024;12\n", "Unknown column: date."),
        ("indicator;period;value;value\n1.1.1;2024;12;13\n", "The column “value” appears twice."),
        ("indicator;period;value\n", "The file has no row to import under its header."),
        ("\n\n", "The file is empty."),
        ('indicator;period;value\n1.1.1;2024;"12\n', "This CSV file is malformed"),
    ],
)
def test_wrong_columns_and_empty_files(client, plan, manager, text, message):
    response = upload(client, csv_file(text))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'name="token"' not in response.content.decode()
    assert Measurement.objects.count() == 0


def test_bad_rows_are_each_explained_and_nothing_is_imported(client, plan, manager):
    Indicator.objects.create(
        objective=plan["o11"], code="9.9.9", name_fr="Calculé", computation="organizations_created"
    )
    next_year = timezone.localdate().year + 1
    text = (
        "indicator;period;value\n"
        "1.1.1;2024;150\n"  # fine, but not imported: another row is wrong
        "1.1.1;2024;douze\n"  # text in a number
        "4.4.4;2024;12\n"  # unknown indicator
        "2.1.1;2024-03;5\n"
        "2.1.1;2024-03-15;6\n"  # duplicate period (the same month)
        "1.1.1;2024-07;151\n"  # duplicate period (the same year: yearly indicator)
        "2.1.1;mars 2024;5\n"  # not a period
        "2.1.1;2024-13;5\n"  # not a date
        f"2.1.1;{next_year};5\n"  # not begun yet
        "9.9.9;2024;5\n"  # a computed indicator
        ";2024;5\n"  # no code
        "2.1.1;;5\n"  # no period
        "2.1.1;2024-05;NaN\n"
        "2.1.1;2024-06;1e400\n"
        "2.1.1;2024-07;1.234,5\n"  # two separators
        "2.1.1;2024-08;5;extra\n"  # a cell beyond the columns
    )
    response = upload(client, csv_file(text))
    assert response.status_code == 400
    html = response.content.decode()
    assert "14 rows have an error" in html
    assert "“douze” is not a number." in html
    assert "No indicator of the plan has the code “4.4.4”." in html
    assert "Row 5 already gives the value of 2.1.1 for the period 2024-03." in html
    assert "Row 2 already gives the value of 1.1.1 for the period 2024." in html
    assert "“mars 2024” is not a period: write YYYY-MM-DD, YYYY-MM or YYYY." in html
    assert "“2024-13” is not a period" in html
    assert f"The period {next_year}-01 has not begun yet." in html
    assert "Indicator 9.9.9 is computed from Hélice&#x27;s data" in html
    assert "The indicator&#x27;s code is missing." in html and "The period is missing." in html
    assert "“NaN” is not a number." in html and "“1e400” is not a number." in html
    assert "“1.234,5” is not a number." in html
    assert "This row has more cells than the first row names" in html
    assert 'name="token"' not in html
    # Errors come first in the table, each with its row number.
    assert html.index('<th scope="row">3</th>') < html.index('<th scope="row">2</th>')
    assert Measurement.objects.count() == 0 and not ChangeRecord.objects.exists()


def test_an_unquoted_decimal_comma_in_a_comma_separated_file_is_caught(client, plan, manager):
    response = upload(client, csv_file("indicator,period,value\n1.1.1,2024,12,5\n"))
    assert response.status_code == 400
    assert "a decimal comma in a file separated by commas?" in response.content.decode()
    assert Measurement.objects.count() == 0


def test_xlsx_with_bad_rows_is_refused_whole(client, plan, manager):
    file = xlsx_file([["indicator", "period", "value"], ["1.1.1", 2024, 150], ["1.1.1", 2025, "beaucoup"]])
    response = upload(client, file)
    assert response.status_code == 400 and "“beaucoup” is not a number." in response.content.decode()
    assert Measurement.objects.count() == 0


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("values.csv", "indicator;period;value\n1.1.1;2024;café\n".encode("latin-1"), "not encoded in UTF-8"),
        ("values.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Send a CSV (UTF-8) or XLSX file."),
        ("values.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel format (.xls)"),
        ("values.exe", b"MZ\x90\x00", "Send a CSV (UTF-8) or XLSX file."),
        ("values.xlsx", b"<html><script>alert(1)</script></html>", "does not match its extension"),
        ("values.csv", _zip({"xl/workbook.xml": b"<workbook/>"}), "does not match its extension"),
        ("values.xlsx", _zip({"word/document.xml": b"<document/>"}), "not an XLSX spreadsheet"),
        ("values.xlsx", b"PK\x03\x04 truncated", "damaged or is not an XLSX file"),
        ("values.xlsx", _zip({"xl/workbook.xml": b"<not a workbook"}), "damaged or could not be read"),
        ("values.csv", b"indicator;period;value\n1.1.1;2024;1\x00\n", "not a CSV text file"),
    ],
)
def test_files_are_recognised_by_their_content(client, plan, manager, name, data, message):
    response = upload(client, SimpleUploadedFile(name, data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert_inert(response.content)
    assert Measurement.objects.count() == 0


def test_size_rows_and_unpacked_size_are_limited(client, plan, manager, monkeypatch):
    monkeypatch.setattr(imports, "MAX_BYTES", 200)
    response = upload(client, csv_file("indicator;period;value\n" + "1.1.1;2024;1\n" * 30))
    assert response.status_code == 400 and "This file is too large" in response.content.decode()
    monkeypatch.setattr(imports, "MAX_BYTES", 2 * 1024 * 1024)
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    text = "indicator;period;value\n" + "".join(f"2.1.1;2024-{m:02d};1\n" for m in range(1, 5))
    response = upload(client, csv_file(text))
    assert response.status_code == 400 and "more than 3 rows" in response.content.decode()
    monkeypatch.setattr(imports, "MAX_ROWS", 5_000)
    monkeypatch.setattr(imports, "MAX_UNPACKED_BYTES", 1000)
    response = upload(client, xlsx_file([["indicator", "period", "value"], ["1.1.1", 2024, 1]]))
    assert response.status_code == 400 and "too large once unpacked" in response.content.decode()
    assert Measurement.objects.count() == 0


def test_hostile_cells_are_shown_inert(client, plan, manager):
    text = 'indicator;period;value;comment\n<script>alert(1)</script>;2024;"<img src=x onerror=alert(1)>";x\n'
    response = upload(client, csv_file(text))
    assert response.status_code == 400
    assert_inert(response.content)
    assert "&lt;script&gt;" in response.content.decode()


# --- between the preview and the confirmation ----------------------------------------------------


def test_a_forged_or_foreign_or_expired_token_saves_nothing(client, plan, manager, monkeypatch):
    response = upload(client, csv_file("indicator;period;value\n1.1.1;2024;150\n"))
    token = token_of(response)
    forged = imports.records_dump(
        [imports.Record(line=2, indicator="1.1.1", period="2024", value="999999")], user=manager
    )
    forged = forged.split(":", 1)[0] + ":" + token.split(":", 1)[1]  # another payload with the real signature
    assert client.post(URL, {"token": forged}).status_code == 400
    assert client.post(URL, {"token": token[:-3] + "abc"}).status_code == 400
    assert client.post(URL, {"token": ""}).status_code == 400
    other = UserFactory(strategy_manager=True)
    client.force_login(other)
    response = client.post(URL, {"token": token})
    assert response.status_code == 400 and "expired or was altered" in response.content.decode()
    client.force_login(manager)
    monkeypatch.setattr(imports, "TOKEN_MAX_AGE", -1)
    assert client.post(URL, {"token": token}).status_code == 400
    assert Measurement.objects.count() == 0
    monkeypatch.setattr(imports, "TOKEN_MAX_AGE", 3600)
    assert client.post(URL, {"token": token}).status_code == 302
    assert Measurement.objects.get().value == 150


def test_rows_are_checked_again_on_confirmation(client, plan, manager):
    response = upload(client, csv_file("indicator;period;value\n1.1.1;2024;150\n2.1.1;2024-01;3\n"))
    token = token_of(response)
    Indicator.objects.filter(code="2.1.1").update(computation="organizations_created")
    response = client.post(URL, {"token": token})
    assert response.status_code == 400
    assert "the plan changed since the preview" in response.content.decode()
    assert Measurement.objects.count() == 0


def test_an_error_while_saving_rolls_every_row_back(plan, manager, monkeypatch):
    records = imports._read_csv(b"indicator;period;value\n1.1.1;2024;150\n2.1.1;2024-01;3\n")
    preview = imports.check_rows(records, plan=plan["plan"])
    real, calls = services.measurement_set, []

    def failing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "measurement_set", failing)
    with pytest.raises(RuntimeError):
        imports.measurements_import(preview=preview, by=manager)
    assert len(calls) == 2
    assert Measurement.objects.count() == 0 and not ChangeRecord.objects.exists()
    with pytest.raises(PermissionDenied):
        imports.measurements_import(preview=preview, by=UserFactory(verified=True))


# --- the template --------------------------------------------------------------------------------


def test_template_lists_the_manual_indicators_and_imports_back(client, plan, manager):
    Indicator.objects.create(
        objective=plan["o11"], code="9.9.9", name_fr="Calculé", computation="organizations_created"
    )
    Indicator.objects.filter(code="1.1.1").update(name_fr="=HYPERLINK(evil)")
    measure(plan["jobs"], datetime.date(2023, 1, 1), 130)
    response = client.get("/strategie/import/modele.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == imports.TEMPLATE_HEADER
    assert [r[0] for r in rows[1:]] == ["1.1.1", "2.1.1"]  # not the computed one
    assert rows[1][1] == "'=HYPERLINK(evil)"  # no formula
    assert rows[1][4] == "2024"  # the period after the latest value
    assert rows[2][4] == ""  # no value yet
    # Sent back as it is: every row is skipped (no value), nothing changes.
    response = upload(client, csv_file(text, name="helice-mesures-modele.csv"))
    assert response.status_code == 200 and "2 rows without a value, skipped" in response.content.decode()
    # Filled in: imported.
    filled = text.replace(";2024;;", ";2024;150;")
    response = upload(client, csv_file(filled, name="helice-mesures-modele.csv"))
    client.post(URL, {"token": token_of(response)})
    assert Measurement.objects.filter(indicator=plan["jobs"], period=datetime.date(2024, 1, 1), value=150).exists()


def test_a_preview_too_large_to_post_back_is_refused(client, plan, manager, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 + 10  # the token must fit with a margin of 64 KB
    response = upload(client, csv_file("indicator;period;value\n1.1.1;2024;150\n"))
    assert response.status_code == 400
    assert "too large to be imported at once" in response.content.decode()
    assert 'name="token"' not in response.content.decode()
