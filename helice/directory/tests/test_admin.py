"""Admin of the directory and the reference data: pages, and CSV/XLSX import and
export through the admin's own HTTP flow (dry run, confirm, export)."""

import csv
import io

import openpyxl
import pytest
import tablib
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from helice.core.models import Commune, PriorityDomain, Sector
from helice.core.resources import CommuneResource, SectorResource
from helice.directory.models import InternationalActivity, Organization, Tag
from helice.directory.resources import OrganizationResource

from .factories import CommuneFactory, OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db

CSV_FORMAT, XLSX_FORMAT = "0", "1"  # positions in SpreadsheetAdmin.formats

HEADER = [
    "slug",
    "name",
    "kind",
    "helix",
    "sectors",
    "siren",
    "siret",
    "commune_insee",
    "latitude",
    "longitude",
    "location_precision",
    "founding_year",
    "tags",
    "international",
    "description_fr",
    "status",
]


@pytest.fixture
def reference():
    return {
        "energy": SectorFactory(name_fr="Énergie", name_en="Energy", slug="energie"),
        "digital": SectorFactory(name_fr="Numérique", name_en="Digital", slug="numerique"),
        "grenoble": CommuneFactory(name="Grenoble", slug="grenoble", insee_code="38185"),
    }


def row(**values):
    base = {
        "slug": "",
        "name": "",
        "kind": "company",
        "helix": "industry",
        "sectors": "",
        "siren": "",
        "siret": "",
        "commune_insee": "",
        "latitude": "",
        "longitude": "",
        "location_precision": "",
        "founding_year": "",
        "tags": "",
        "international": "",
        "description_fr": "",
        "status": "published",
    }
    base.update(values)
    return base


def csv_file(rows, header=HEADER, name="organisations.csv"):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, header=HEADER):
    data = tablib.Dataset(headers=header)
    for r in rows:
        data.append([r[h] for h in header])
    return SimpleUploadedFile(
        "organisations.xlsx",
        data.export("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


GOOD_ROWS = [
    row(
        slug="minalogic",
        name="Minalogic",
        kind="competitiveness_cluster",
        sectors="numerique",
        siren="732829320",
        siret="73282932000074",
        commune_insee="38185",
        latitude="45.19",
        longitude="5.72",
        location_precision="address",
        founding_year="2005",
        tags="deeptech|semiconducteurs",
        international="DE:partnership|us:export",
        description_fr="Pôle de compétitivité du numérique.",
    ),
    row(slug="tenerrdis", name="Tenerrdis", sectors="energie|numerique", commune_insee="38185", status=""),
]


def import_url(model="organization", app="directory"):
    return reverse(f"admin:{app}_{model}_import")


def dry_run(admin_client, upload, fmt=CSV_FORMAT, **url):
    return admin_client.post(import_url(**url), {"import_file": upload, "format": fmt})


def confirm(admin_client, response, model="organization", app="directory"):
    form = response.context["confirm_form"]
    return admin_client.post(reverse(f"admin:{app}_{model}_process_import"), form.initial)


# --- Pages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("app", "model"),
    [
        ("core", "prioritydomain"),
        ("core", "sector"),
        ("core", "commune"),
        ("directory", "tag"),
        ("directory", "organization"),
        ("directory", "internationalactivity"),
    ],
)
def test_every_model_has_changelist_add_import_and_export_pages(admin_client, reference, app, model):
    OrganizationFactory(name="Minalogic", sectors=[reference["energy"]], countries=[("DE", "export")])
    for name in ("changelist", "add", "import", "export"):
        response = admin_client.get(reverse(f"admin:{app}_{model}_{name}"))
        assert response.status_code == 200, name


def test_changelist_filters_and_search(admin_client, reference):
    OrganizationFactory(name="Minalogic", sectors=[reference["digital"]], siren="732829320")
    OrganizationFactory(name="Brouillon", draft=True)
    url = reverse("admin:directory_organization_changelist")
    assert admin_client.get(url, {"status__exact": "draft"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"sectors__id__exact": reference["digital"].pk}).context["cl"].result_count == 1
    assert admin_client.get(url, {"q": "732829320"}).context["cl"].result_count == 1


def test_change_form_shows_inline_and_derived_fields_read_only(admin_client, reference):
    org = OrganizationFactory(name="Minalogic", countries=[("DE", "export")])
    response = admin_client.get(reverse("admin:directory_organization_change", args=[org.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "search_document" not in form.fields and "name_key" not in form.fields
    assert "search_document" in response.context["adminform"].readonly_fields
    assert response.context["inline_admin_formsets"][0].formset.model is InternationalActivity


def test_saving_in_the_admin_validates_and_reindexes(admin_client, reference, client):
    url = reverse("admin:directory_organization_add")
    data = {
        "name": "Clinatec",
        "slug": "clinatec",
        "kind": "research_lab",
        "helix": "research",
        "status": "published",
        "sectors": [reference["energy"].pk],
        "siren": "732829321",  # bad check digit
        "international_activities-TOTAL_FORMS": "1",
        "international_activities-INITIAL_FORMS": "0",
        "international_activities-0-country": "CH",
        "international_activities-0-kind": "export",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "siren" in response.context["adminform"].form.errors
    assert not Organization.objects.exists()
    data["siren"] = "732829320"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    org = Organization.objects.get(slug="clinatec")
    assert org.international_activities.get().country.code == "CH"
    assert " energie " in org.search_document  # the sector, saved after the form, is indexed
    assert client.get("/api/v1/organizations", {"q": "clinatec energie"}).json()["count"] == 1


# --- Import ----------------------------------------------------------------------


def test_dry_run_shows_the_row_error_and_saves_nothing(admin_client, reference):
    bad = row(slug="bad-siren", name="Bad SIREN", siren="732829321", tags="nouveau-tag")
    response = dry_run(admin_client, csv_file([*GOOD_ROWS, bad]))
    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 3
    assert set(invalid.field_specific_errors) == {"siren"}
    message = invalid.field_specific_errors["siren"][0]
    assert message in response.content.decode()
    assert "confirm_form" not in response.context  # no way to apply it
    assert not Organization.objects.exists()
    assert not Tag.objects.exists()
    assert not InternationalActivity.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"siret": "73282932000075"}, "siret"),
        ({"siren": "732829320", "siret": "55208131766522"}, "siret"),  # SIRET of another SIREN
        ({"naf_code": "99.99Q"}, "naf_code"),
        ({"sectors": "energie|does-not-exist"}, "sectors"),
        ({"sectors": "Not A Slug!"}, "sectors"),
        ({"commune_insee": "99999"}, "commune"),
        ({"international": "XX:export"}, "international"),
        ({"international": "DE:smuggling"}, "international"),
        ({"kind": "spaceship"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"status": "secret"}, "status"),
        ({"founding_year": "next year"}, "founding_year"),
        ({"founding_year": "3000"}, "founding_year"),
        ({"latitude": "45.1", "longitude": ""}, "__all__"),
        ({"latitude": "north"}, "latitude"),
        ({"website": "not a url"}, "website"),
        ({"name": ""}, "name"),
        ({"status": "oui"}, "status"),
    ],
)
def test_each_invalid_row_is_reported_and_nothing_is_applied(admin_client, reference, values, field):
    header = [*HEADER, "naf_code", "website"]
    bad = {**row(slug="bad", name="Bad", naf_code="", website=""), **values}
    good = [{**r, "naf_code": "", "website": ""} for r in GOOD_ROWS]
    response = dry_run(admin_client, csv_file([*good, bad], header=header))
    result = response.context["result"]
    assert len(result.invalid_rows) == 1
    errors = result.invalid_rows[0].error_dict
    assert field in errors, errors
    assert "confirm_form" not in response.context
    assert not Organization.objects.exists()


def test_valid_csv_is_previewed_then_applied_and_searchable(admin_client, reference, client):
    response = dry_run(admin_client, csv_file(GOOD_ROWS))
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [r.import_type for r in result.rows] == ["new", "new"]
    assert not Organization.objects.exists()  # the preview changed nothing
    assert not Tag.objects.exists()

    response = confirm(admin_client, response)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:directory_organization_changelist")

    minalogic = Organization.objects.get(slug="minalogic")
    assert minalogic.kind == "competitiveness_cluster"
    assert minalogic.commune == reference["grenoble"]
    assert (minalogic.latitude, minalogic.longitude, minalogic.founding_year) == (45.19, 5.72, 2005)
    assert [s.slug for s in minalogic.sectors.all()] == ["numerique"]
    assert sorted(t.slug for t in minalogic.tags.all()) == ["deeptech", "semiconducteurs"]
    assert Tag.objects.get(slug="deeptech").name == "Deeptech"
    assert sorted((a.country.code, a.kind) for a in minalogic.international_activities.all()) == [
        ("DE", "partnership"),
        ("US", "export"),
    ]
    tenerrdis = Organization.objects.get(slug="tenerrdis")
    assert tenerrdis.status == "draft"  # a blank status never publishes
    assert {s.slug for s in tenerrdis.sectors.all()} == {"energie", "numerique"}

    # Reindexed: found by name, sector, tag and commune, with accents ignored.
    for q in ("minalogic", "numerique", "semiconducteurs", "grenoble"):
        data = client.get("/api/v1/organizations", {"q": q}).json()
        assert [i["slug"] for i in data["items"]] == ["minalogic"], q
    [message] = list(get_messages(response.wsgi_request))
    assert message.level_tag == "success"


def test_reimport_updates_by_slug_and_replaces_lists(admin_client, reference):
    confirm(admin_client, dry_run(admin_client, csv_file(GOOD_ROWS)))
    changed = row(
        slug="minalogic",
        name="Minalogic Auvergne-Rhône-Alpes",
        kind="competitiveness_cluster",
        sectors="energie",
        commune_insee="38185",
        tags="deeptech",
        international="CH:export",
    )
    response = dry_run(admin_client, csv_file([changed]))
    assert [r.import_type for r in response.context["result"].rows] == ["update"]
    confirm(admin_client, response)
    org = Organization.objects.get(slug="minalogic")
    assert org.name == "Minalogic Auvergne-Rhône-Alpes"
    assert [s.slug for s in org.sectors.all()] == ["energie"]
    assert [t.slug for t in org.tags.all()] == ["deeptech"]
    assert [(a.country.code, a.kind) for a in org.international_activities.all()] == [("CH", "export")]
    assert Organization.objects.count() == 2
    assert " auvergne " in org.search_document and " energie " in org.search_document


def test_missing_columns_leave_fields_unchanged(admin_client, reference):
    org = OrganizationFactory(
        name="Minalogic", slug="minalogic", sectors=[reference["digital"]], countries=[("DE", "export")]
    )
    header = ["slug", "name", "kind", "helix"]
    upload = csv_file([{"slug": "minalogic", "name": "Minalogic SA", "kind": "company", "helix": "industry"}], header)
    confirm(admin_client, dry_run(admin_client, upload))
    org.refresh_from_db()
    assert org.name == "Minalogic SA"
    assert [s.slug for s in org.sectors.all()] == ["numerique"]
    assert org.international_activities.count() == 1
    assert org.status == "published"


def test_xlsx_import(admin_client, reference):
    response = dry_run(admin_client, xlsx_file(GOOD_ROWS), fmt=XLSX_FORMAT)
    assert not response.context["result"].has_validation_errors(), response.context["result"].invalid_rows
    confirm(admin_client, response)
    assert set(Organization.objects.values_list("slug", flat=True)) == {"minalogic", "tenerrdis"}
    assert Organization.objects.get(slug="minalogic").siren == "732829320"


def test_unreadable_file_is_a_form_error(admin_client, reference):
    upload = SimpleUploadedFile("x.xlsx", b"not a spreadsheet", content_type="application/octet-stream")
    response = dry_run(admin_client, upload, fmt=XLSX_FORMAT)
    assert response.status_code == 200
    assert response.context["form"].errors["import_file"]
    assert not Organization.objects.exists()


def test_file_without_the_slug_column_is_refused(admin_client, reference):
    response = dry_run(admin_client, csv_file([{"name": "X"}], header=["name"]))
    assert response.context["result"].has_errors()
    assert "confirm_form" not in response.context
    assert not Organization.objects.exists()


def test_resource_import_applies_nothing_when_one_row_is_invalid(reference):
    """The confirm step too: even without a preview, one invalid row rolls all back."""
    data = tablib.Dataset(headers=HEADER)
    for r in [*GOOD_ROWS, row(slug="bad", name="Bad", siren="123")]:
        data.append([r[h] for h in HEADER])
    result = OrganizationResource().import_data(data, dry_run=False)
    assert result.has_validation_errors()
    assert not Organization.objects.exists()
    assert not Tag.objects.exists()


def test_public_csv_export_can_be_imported_back_unchanged(admin_client, client, reference):
    OrganizationFactory(
        name="Minalogic",
        sectors=[reference["digital"]],
        commune=reference["grenoble"],
        latitude=45.19,
        longitude=-1.5,
        location_precision="address",
        countries=[("DE", "partnership")],
    )
    content = b"".join(client.get("/annuaire/export.csv").streaming_content)
    upload = SimpleUploadedFile("helice-organisations.csv", content, content_type="text/csv")
    response = dry_run(admin_client, upload)
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows
    confirm(admin_client, response)
    org = Organization.objects.get(slug="minalogic")
    assert org.longitude == -1.5
    assert [s.slug for s in org.sectors.all()] == ["numerique"]
    assert [(a.country.code, a.kind) for a in org.international_activities.all()] == [("DE", "partnership")]


# --- Export ----------------------------------------------------------------------


def export(admin_client, fmt, model="organization", app="directory", resource=OrganizationResource):
    data = {"format": fmt, "resource": "0"}
    for name in resource().get_export_order():
        data[f"{resource.__name__.lower()}_{name}"] = "on"
    return admin_client.post(reverse(f"admin:{app}_{model}_export"), data)


def test_csv_export_returns_the_data(admin_client, reference):
    OrganizationFactory(
        name="Minalogic",
        sectors=[reference["digital"], reference["energy"]],
        commune=reference["grenoble"],
        siren="732829320",
        countries=[("DE", "partnership")],
    )
    OrganizationFactory(name='=HYPERLINK("http://evil")', slug="evil", longitude=-1.5, latitude=45.0)
    response = export(admin_client, CSV_FORMAT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert set(rows) == {"minalogic", "evil"}
    minalogic = rows["minalogic"]
    assert minalogic["sectors"] == "energie|numerique"
    assert minalogic["commune_insee"] == "38185"
    assert minalogic["commune"] == "Grenoble"
    assert minalogic["siren"] == "732829320"
    assert minalogic["international"] == "DE:partnership"
    assert minalogic["status"] == "published"
    assert minalogic["url"] == "/annuaire/minalogic/"
    # Formulas are neutralised, numbers are not.
    assert rows["evil"]["name"].startswith("'=")
    assert rows["evil"]["longitude"] == "-1.5"


def test_export_then_import_round_trip_restores_formula_like_text(admin_client, reference):
    OrganizationFactory(name="=1+1 Conseil", slug="un-plus-un")
    content = export(admin_client, CSV_FORMAT).content
    Organization.objects.all().delete()
    upload = SimpleUploadedFile("o.csv", content, content_type="text/csv")
    confirm(admin_client, dry_run(admin_client, upload))
    assert Organization.objects.get(slug="un-plus-un").name == "=1+1 Conseil"


def test_xlsx_export_returns_the_data(admin_client, reference):
    OrganizationFactory(name="Minalogic", sectors=[reference["digital"]], founding_year=2005)
    OrganizationFactory(name="=SUM(A1:A2)", slug="formula")
    response = export(admin_client, XLSX_FORMAT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    records = {r[header.index("slug")]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert records["minalogic"]["sectors"] == "numerique"
    assert records["minalogic"]["founding_year"] in (2005, "2005")
    assert records["formula"]["name"] == "'=SUM(A1:A2)"  # text, not a formula


def test_export_query_count_does_not_grow_with_rows(admin_client, reference, django_assert_max_num_queries):
    for i in range(30):
        OrganizationFactory(
            name=f"Org {i}", sectors=[reference["energy"]], commune=reference["grenoble"], countries=[("DE", "export")]
        )
    with django_assert_max_num_queries(12):
        response = export(admin_client, CSV_FORMAT)
    assert response.content.decode().count("\n") == 31


# --- Reference data ------------------------------------------------------------------


def test_sector_and_commune_import_by_natural_key(admin_client):
    PriorityDomain.objects.create(code="numerique", name_fr="Numérique")
    SectorFactory(name_fr="Énergie", slug="energie", position=3)
    header = ["slug", "name_fr", "name_en", "priority_domains", "naf_prefixes", "position"]
    upload = csv_file(
        [
            {
                "slug": "energie",
                "name_fr": "Énergies",
                "name_en": "Energy",
                "priority_domains": "",
                "naf_prefixes": "35|27.1",
                "position": "1",
            },
            {
                "slug": "numerique",
                "name_fr": "Numérique",
                "name_en": "",
                "priority_domains": "numerique",
                "naf_prefixes": "",
                "position": "",
            },
        ],
        header,
    )
    response = dry_run(admin_client, upload, model="sector", app="core")
    assert not response.context["result"].has_validation_errors(), response.context["result"].invalid_rows
    confirm(admin_client, response, model="sector", app="core")
    energy = Sector.objects.get(slug="energie")
    assert (energy.name_fr, energy.naf_prefixes, energy.position) == ("Énergies", ["35", "27.1"], 1)
    assert [d.code for d in Sector.objects.get(slug="numerique").priority_domains.all()] == ["numerique"]
    assert Sector.objects.count() == 2

    header = ["insee_code", "slug", "name", "postal_codes", "population", "latitude", "longitude"]
    communes = [
        {
            "insee_code": "38185",
            "slug": "grenoble",
            "name": "Grenoble",
            "postal_codes": "38000|38100",
            "population": "156389",
            "latitude": "45.19",
            "longitude": "5.72",
        },
        {
            "insee_code": "3818",
            "slug": "bad",
            "name": "Bad",
            "postal_codes": "",
            "population": "",
            "latitude": "",
            "longitude": "",
        },
    ]
    response = dry_run(admin_client, csv_file(communes, header), model="commune", app="core")
    assert list(response.context["result"].invalid_rows[0].field_specific_errors) == ["insee_code"]
    response = dry_run(admin_client, csv_file(communes[:1], header), model="commune", app="core")
    confirm(admin_client, response, model="commune", app="core")
    grenoble = Commune.objects.get(insee_code="38185")
    assert (grenoble.postal_codes, grenoble.population) == (["38000", "38100"], 156389)


def test_sector_export(admin_client):
    SectorFactory(name_fr="Énergie", slug="energie", naf_prefixes=["35"])
    response = export(admin_client, CSV_FORMAT, model="sector", app="core", resource=SectorResource)
    [record] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (record["slug"], record["name_fr"], record["naf_prefixes"]) == ("energie", "Énergie", "35")


def test_commune_export(admin_client):
    CommuneFactory(name="Grenoble", slug="grenoble", insee_code="38185", postal_codes=["38000", "38100"])
    response = export(admin_client, CSV_FORMAT, model="commune", app="core", resource=CommuneResource)
    [record] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (record["insee_code"], record["postal_codes"]) == ("38185", "38000|38100")


def test_anonymous_and_non_staff_users_cannot_import_or_export(client, django_user_model):
    assert client.get(import_url()).status_code == 302  # to the login page
    user = django_user_model.objects.create_user(username="citizen", password="pw-long-enough-123")
    client.force_login(user)
    assert client.get(import_url()).status_code == 302
    assert client.post(reverse("admin:directory_organization_export"), {"format": "0"}).status_code == 302


def test_yes_no_cells_are_strict(admin_client):
    header = ["slug", "name_fr", "is_active"]
    rows = [{"slug": "energie", "name_fr": "Énergie", "is_active": "maybe"}]
    response = dry_run(admin_client, csv_file(rows, header), model="sector", app="core")
    assert list(response.context["result"].invalid_rows[0].field_specific_errors) == ["is_active"]
    rows = [
        {"slug": "energie", "name_fr": "Énergie", "is_active": ""},
        {"slug": "old", "name_fr": "Old", "is_active": "0"},
    ]
    confirm(admin_client, dry_run(admin_client, csv_file(rows, header), model="sector", app="core"), "sector", "core")
    assert dict(Sector.objects.values_list("slug", "is_active")) == {"energie": True, "old": False}
