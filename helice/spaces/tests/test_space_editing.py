"""Operators' members keep their space current from the partner space, through the
moderation mechanism (a held or published revision, a preview that saves
nothing), and who may do it, per object, as a matrix. The availability is
confirmed apart and published at once."""

import pytest
from django.utils import timezone

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.testing.hostile import assert_form_resists_hostile_input
from helice.directory.models import Organization
from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory
from helice.moderation import services as moderation
from helice.moderation.models import Revision, RevisionStatus
from helice.spaces.models import Space

from .factories import SpaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    operator = OrganizationFactory(name="Tarmac", slug="tarmac")
    other = OrganizationFactory(name="Autre structure", slug="autre-structure")
    space = SpaceFactory(
        name="Pépinière Tarmac",
        slug="pepiniere-tarmac",
        operators=[operator],
        summary_fr="Bureaux pour jeunes entreprises.",
        unit_count=10,
        units_available=2,
        availability_confirmed_at=timezone.now(),
    )
    other_space = SpaceFactory(name="Espace d'un autre", slug="espace-autre", operators=[other])
    return {"operator": operator, "other": other, "space": space, "other_space": other_space}


def edit_url(space):
    return f"/espaces/{space.slug}/modifier/"


def data(space, **changes):
    space = Space.objects.get(pk=space.pk)
    values = {
        "name": space.name,
        "name_en": space.name_en,
        "kind": space.kind,
        "summary_fr": space.summary_fr,
        "serves_born": "on" if space.serves_born else "",
        "unit_count": "" if space.unit_count is None else str(space.unit_count),
        "selection_required": "unknown",
        "wheelchair_accessible": "unknown",
        "action": "save",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v != ""}


def test_a_member_finds_the_edit_link_and_proposes_a_change(client, setting):
    member = MembershipFactory(organization=setting["operator"]).user
    client.force_login(member)
    page = client.get("/mon-espace/organisations/tarmac/").content.decode()
    assert edit_url(setting["space"]) in page and "/espaces/pepiniere-tarmac/disponibilite/" in page
    assert edit_url(setting["space"]) in client.get(setting["space"].get_absolute_url()).content.decode()
    sector, commune = SectorFactory(), CommuneFactory()
    SpaceFactory(commune=commune), SpaceFactory(commune=commune)  # a commune with several spaces: listed once
    response = client.post(
        edit_url(setting["space"]),
        data(
            setting["space"],
            summary_fr="Bureaux et ateliers.",
            total_surface_m2="1200",
            unit_size_min_m2="15",
            unit_size_max_m2="60",
            price_range_fr="de 12 à 18 € le m² par mois",
            services_fr="Accueil, salles de réunion",
            equipment_fr="Atelier de prototypage",
            access_conditions_fr="Sur dossier",
            selection_required="true",
            max_stay_months="48",
            wheelchair_accessible="true",
            accessibility_fr="Ascenseur",
            sectors=[sector.slug],
            commune=commune.insee_code,
            comment="Nouveaux ateliers.",
        ),
    )
    assert response.status_code == 302 and response["Location"] == "/mon-espace/organisations/tarmac/"
    space = Space.objects.get(pk=setting["space"].pk)
    assert space.summary_fr == "Bureaux pour jeunes entreprises."  # held for review
    revision = Revision.objects.get(status=RevisionStatus.PENDING)
    assert revision.organization == setting["operator"] and revision.author == member
    assert revision.data["summary_fr"] == "Bureaux et ateliers."
    assert revision.data["sectors"] == [sector.slug] and revision.data["commune"] == commune.insee_code
    assert revision.data["total_surface_m2"] == 1200 and revision.data["selection_required"] is True
    # The space's row in the partner space says a change waits for review.
    assert "Modifications en attente de relecture" in _space_row(client, setting["space"])
    # The form starts from the waiting proposal.
    again = client.get(edit_url(setting["space"])).content.decode()
    assert "Bureaux et ateliers." in again

    # A moderator approves: everything is applied, the search fields recomputed.
    moderation.revision_approve(revision=revision, by=UserFactory(moderator=True))
    space.refresh_from_db()
    assert (space.summary_fr, space.total_surface_m2, space.unit_size_max_m2) == ("Bureaux et ateliers.", 1200, 60)
    assert (space.selection_required, space.max_stay_months, space.wheelchair_accessible) == (True, 48, True)
    assert list(space.sectors.all()) == [sector] and space.commune == commune
    assert "ateliers" in space.search_document
    assert (space.units_available, space.unit_count) == (2, 10)  # availability untouched


def test_a_refusal_and_its_reason_are_shown_to_the_members(client, setting):
    member = MembershipFactory(organization=setting["operator"]).user
    client.force_login(member)
    client.post(edit_url(setting["space"]), data(setting["space"], summary_fr="Le meilleur espace du monde !"))
    revision = Revision.objects.get(status=RevisionStatus.PENDING)
    moderation.revision_reject(revision=revision, by=UserFactory(moderator=True), reason="Restez factuels.")
    row = _space_row(client, setting["space"])
    assert "Proposition refusée" in row and "Restez factuels." in row
    edit_page = client.get(edit_url(setting["space"])).content.decode()
    assert "Restez factuels." in edit_page
    assert "Bureaux pour jeunes entreprises." in edit_page  # the form starts from the published state
    # Sending again replaces the refusal by a waiting change.
    client.post(edit_url(setting["space"]), data(setting["space"], summary_fr="Bureaux et ateliers."))
    row = _space_row(client, setting["space"])
    assert "Restez factuels." not in row and "Modifications en attente de relecture" in row


def _space_row(client, space) -> str:
    """The space's row in the "Your spaces" table of its operator's partner page."""
    page = client.get("/mon-espace/organisations/tarmac/").content.decode()
    (row,) = [r for r in page.split("<tr>") if edit_url(space) in r]
    return row.split("</tr>")[0]


def test_trusted_operator_publishes_at_once_and_preview_saves_nothing(client, setting):
    Organization.objects.filter(pk=setting["operator"].pk).update(is_trusted=True)
    client.force_login(MembershipFactory(organization=setting["operator"]).user)
    url = edit_url(setting["space"])
    preview = client.post(url, data(setting["space"], summary_fr="Aperçu seulement.", action="preview"))
    assert preview.status_code == 200 and "Aperçu seulement." in preview.content.decode()
    assert not Revision.objects.filter(kind="partner").exists()
    assert client.post(url, data(setting["space"], price_range_fr="15 € le m²")).status_code == 302
    assert Space.objects.get(pk=setting["space"].pk).price_range_fr == "15 € le m²"
    assert Revision.objects.get(kind="partner").status == RevisionStatus.PUBLISHED


def test_nothing_changed_is_said_and_saves_nothing(client, setting):
    client.force_login(MembershipFactory(organization=setting["operator"]).user)
    response = client.post(edit_url(setting["space"]), data(setting["space"]), follow=True)
    assert response.status_code == 200 and not Revision.objects.filter(kind="partner").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"unit_size_min_m2": "80", "unit_size_max_m2": "20"},  # smallest above largest
        {"unit_count": "1"},  # fewer units than the 2 confirmed available
        {"total_surface_m2": "-3"},
        {"kind": "castle"},
        {"name": ""},
        {"commune": "99999"},
        {"sectors": ["nope"]},
        {"contact_email": "not-an-address"},
        {"website": "javascript:alert(1)"},
        {"selection_required": "perhaps-not-a-choice", "max_stay_months": "many"},
    ],
)
def test_bad_input_is_a_400_and_saves_nothing(client, setting, changes):
    client.force_login(MembershipFactory(organization=setting["operator"]).user)
    response = client.post(edit_url(setting["space"]), data(setting["space"], **changes))
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Revision.objects.filter(kind="partner").exists()


def test_availability_is_confirmed_apart_and_published_at_once(client, setting):
    """The operator states the availability: no review, the confirmation date moves;
    the edit page links to it and comes back."""
    member = MembershipFactory(organization=setting["operator"]).user
    client.force_login(member)
    url = edit_url(setting["space"])
    page = client.get(url).content.decode()
    confirm = f"/espaces/{setting['space'].slug}/disponibilite/"
    assert f"{confirm}?next={url}" in page
    Space.objects.filter(pk=setting["space"].pk).update(
        availability_confirmed_at=timezone.now() - timezone.timedelta(days=200)
    )
    response = client.post(confirm, {"units_available": "4", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    space = Space.objects.get(pk=setting["space"].pk)
    assert space.units_available == 4 and timezone.now() - space.availability_confirmed_at < timezone.timedelta(
        minutes=1
    )
    assert not Revision.objects.filter(status=RevisionStatus.PENDING).exists()


# --- who may do what: per object ------------------------------------------------------------


def _users(setting):
    return {
        "outsider": lambda: UserFactory(),
        "operator_member": lambda: MembershipFactory(organization=setting["operator"]).user,
        "other_member": lambda: MembershipFactory(organization=setting["other"]).user,
        "moderator": lambda: UserFactory(moderator=True),
        "administrator": lambda: UserFactory(administrator=True),
        "strategy_manager": lambda: UserFactory(strategy_manager=True),
    }


@pytest.mark.parametrize(
    ("role", "own", "expected"),
    [
        ("anonymous", True, 302),  # to the login page
        ("outsider", True, 404),
        ("operator_member", True, 200),
        ("operator_member", False, 404),  # another operator's space
        ("other_member", True, 404),
        ("other_member", False, 200),
        ("moderator", True, 200),
        ("moderator", False, 200),
        ("administrator", True, 200),
        ("strategy_manager", True, 404),
    ],
)
def test_who_may_open_the_edit_page(client, setting, role, own, expected):
    users = _users(setting)
    if role in users:
        client.force_login(users[role]())
    space = setting["space"] if own else setting["other_space"]
    response = client.get(edit_url(space))
    assert response.status_code == expected
    if expected == 302:
        assert "/comptes/" in response["Location"] or "login" in response["Location"]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("outsider", False),
        ("operator_member", True),
        ("other_member", False),
        ("moderator", True),
        ("strategy_manager", False),
    ],
)
def test_who_may_save_a_change(client, setting, role, allowed):
    client.force_login(_users(setting)[role]())
    response = client.post(edit_url(setting["space"]), data(setting["space"], summary_fr="Changé."))
    assert response.status_code == (302 if allowed else 404)
    assert Revision.objects.filter(kind__in=["partner", "staff"]).exists() == allowed
    if role == "moderator":  # a moderator's change is published at once
        assert Space.objects.get(pk=setting["space"].pk).summary_fr == "Changé."


def test_the_rule_itself_as_a_matrix(setting):
    users = {name: make() for name, make in _users(setting).items()}
    space, other_space = setting["space"], setting["other_space"]
    expected = {
        "outsider": (False, False),
        "operator_member": (True, False),
        "other_member": (False, True),
        "moderator": (True, True),
        "administrator": (True, True),
        "strategy_manager": (False, False),
    }
    for name, user in users.items():
        got = (user.has_perm("spaces.edit_space", space), user.has_perm("spaces.edit_space", other_space))
        assert got == expected[name], name


def test_an_unknown_space_is_a_404(client, setting):
    client.force_login(UserFactory(moderator=True))
    assert client.get("/espaces/nulle-part/modifier/").status_code == 404


def test_free_text_fields_resist_hostile_input(client, setting):
    Organization.objects.filter(pk=setting["operator"].pk).update(is_trusted=True)
    client.force_login(MembershipFactory(organization=setting["operator"]).user)
    for field in ("summary_fr", "description_fr", "services_fr", "access_conditions_fr"):
        assert_form_resists_hostile_input(
            client,
            edit_url(setting["space"]),
            field,
            data=lambda name: data(setting["space"]),
            show_url=setting["space"].get_absolute_url(),
        )


def test_the_edit_page_s_queries_are_pinned(client, setting, django_assert_num_queries):
    member = MembershipFactory(organization=setting["operator"]).user
    client.force_login(member)
    SectorFactory(), SectorFactory(), SectorFactory()  # more choices, same queries
    client.get(edit_url(setting["space"]))
    with django_assert_num_queries(QUERIES_EDIT_PAGE):
        assert client.get(edit_url(setting["space"])).status_code == 200


QUERIES_EDIT_PAGE = (
    17  # session, user, space and its relations, its photos, memberships, roles, revisions, form choices
)
