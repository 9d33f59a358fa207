"""Settlement requests and operators' editing in a real browser: find spaces on the
list and on the map, ask for a place (one space from its page, several from a
selection on the list), confirm through the link sent by e-mail, the operator
reads it in the inbox and answers; the operator keeps the space current. axe-core
runs on every page (the page objects check each load)."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from .pages import BasePage, FormPage
from .pages_spaces import SpaceDetailPage, SpaceListPage, SpaceMapPage

pytestmark = pytest.mark.browser


@pytest.fixture
def spaces(transactional_db):
    from helice.accounts.tests.membership_factories import MembershipFactory
    from helice.directory.tests.factories import CommuneFactory, OrganizationFactory
    from helice.spaces.models import SpaceKind
    from helice.spaces.tests.factories import SpaceFactory

    meylan = CommuneFactory(name="Meylan", insee_code="38229", slug="meylan", latitude=45.209, longitude=5.78)
    operator = OrganizationFactory(name="Technopole des Alpes")
    other_operator = OrganizationFactory(name="Ville de Meylan")
    member = MembershipFactory(organization=operator)
    other_member = MembershipFactory(organization=other_operator)
    nursery = SpaceFactory(
        name="Pépinière santé du parc",
        slug="pepiniere-sante-du-parc",
        kind=SpaceKind.NURSERY,
        operators=[operator],
        commune=meylan,
        latitude=45.209,
        longitude=5.78,
        location_precision="address",
        unit_count=12,
        units_available=2,
        availability_confirmed_at=timezone.now(),
    )
    hotel = SpaceFactory(
        name="Hôtel d'entreprises de Meylan",
        slug="hotel-entreprises-meylan",
        kind=SpaceKind.BUSINESS_HOTEL,
        operators=[other_operator],
        commune=meylan,
        serves_born=False,
        serves_grow=True,
    )
    return {"nursery": nursery, "hotel": hotel, "member": member, "other_member": other_member}


def _private_link(address: str) -> str:
    for message in reversed(mail.outbox):
        if message.to == [address]:
            found = re.search(r"https?://[^/\s]+(/demandes/suivi/[^/\s]+/)", message.body)
            if found:
                return found.group(1)
    raise AssertionError(f"no private link sent to {address}")


def _fill_and_send(tab, *, email: str, message: str) -> FormPage:
    page = tab.page
    form = FormPage(tab)
    form.field("surface_min_m2").fill("40")
    form.field("surface_max_m2").fill("80")
    form.field("message").fill(message)
    form.field("name").fill("Ana Lopez")
    form.field("email").fill(email)
    page.locator("#id_consent").check()
    form.submit(page.locator('button[value="send"]'))
    assert form.path_now == "/espaces/demande/envoyee/"
    return form


def test_find_a_space_on_the_map_and_send_a_settlement_request(tab, signed_in, spaces):
    page = tab.page
    spaces_map = SpaceMapPage(tab).open()
    spaces_map.apply_filter("kind", "nursery")
    detail = spaces_map.open_space("Pépinière santé du parc")
    ask = detail.page.locator(".space-request-box a", has_text="Demander une place ici")
    with page.expect_navigation():
        ask.click()
    form = FormPage(tab)
    form.loaded()
    expect(page.locator("#space-pepiniere-sante-du-parc")).to_be_checked()
    expect(page.locator("#id_space_kind")).to_have_value("nursery")
    _fill_and_send(tab, email="ana@example.org", message="Six personnes, un laboratoire humide et deux bureaux.")

    # The request leaves only once the address is confirmed through the link.
    link = _private_link("ana@example.org")
    track = FormPage(tab, link).open()
    track.submit(page.locator('button[value="confirm"]'))
    expect(track.messages).to_have_count(1)

    # The operator reads it in the inbox, with its details, and answers.
    operator_tab = signed_in(spaces["member"].user)
    inbox = FormPage(operator_tab, "/mon-espace/demandes/").open()
    expect(inbox.main).to_contain_text("Pépinière santé du parc")
    with operator_tab.page.expect_navigation():
        inbox.main.locator("table.inbox a").first.click()
    case = FormPage(operator_tab)
    case.loaded()
    expect(case.main).to_contain_text("laboratoire humide")
    expect(case.main).to_contain_text("de 40 à 80 m²")
    operator_tab.page.locator("#answer-message").fill("Un bureau se libère en mars : venez visiter.")
    case.submit(operator_tab.page.locator('form:has(#answer-message) button[type="submit"]'))

    track = BasePage(tab, link).open()
    expect(track.main).to_contain_text("Un bureau se libère en mars : venez visiter.")


def test_select_several_spaces_on_the_list_and_ask_them_together(tab, signed_in, spaces):
    page = tab.page
    listing = SpaceListPage(tab).open()
    listing.set_facet("commune", "meylan", checked=True)
    expect(listing.result_links).to_have_count(2)
    listing.settled()
    page.locator("#select-pepiniere-sante-du-parc").check()
    page.locator("#select-hotel-entreprises-meylan").check()
    with page.expect_navigation():
        page.locator('button[form="spaces-selection"]').click()
    form = FormPage(tab)
    form.loaded()
    expect(page.locator("#space-pepiniere-sante-du-parc")).to_be_checked()
    expect(page.locator("#space-hotel-entreprises-meylan")).to_be_checked()
    _fill_and_send(tab, email="lea@example.org", message="Une équipe de douze personnes cherche un plateau.")
    link = _private_link("lea@example.org")
    track = FormPage(tab, link).open()
    track.submit(page.locator('button[value="confirm"]'))

    # Each operator has it in its own inbox.
    for member in (spaces["member"], spaces["other_member"]):
        inbox = FormPage(signed_in(member.user), "/mon-espace/demandes/").open()
        expect(inbox.main.locator("table.inbox tbody tr")).to_have_count(1)


def test_the_operator_keeps_the_space_current(signed_in, spaces):
    from helice.directory.models import Organization

    Organization.objects.filter(pk=spaces["member"].organization_id).update(is_trusted=True)
    operator_tab = signed_in(spaces["member"].user)
    page = operator_tab.page
    detail = SpaceDetailPage(operator_tab, "pepiniere-sante-du-parc").open()
    with page.expect_navigation():
        detail.page.locator("a", has_text="Modifier cet espace").click()
    edit = FormPage(operator_tab)
    edit.loaded()
    edit.field("price_range_fr").fill("de 14 à 19 € le m² par mois")
    edit.submit(page.locator('button[value="preview"]'))
    expect(page.locator(".preview")).to_contain_text("de 14 à 19 € le m² par mois")
    edit.submit(page.locator('button[value="save"]'))
    expect(edit.messages).to_contain_text("Vos modifications sont publiées.")

    # A photo, with its credit and what it shows (the operator is trusted: published at once).
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, "PNG")
    edit = FormPage(operator_tab, "/espaces/pepiniere-sante-du-parc/modifier/").open()
    page.locator("#id_new_photo").set_input_files(
        files=[{"name": "plateau.png", "mimeType": "image/png", "buffer": buffer.getvalue()}]
    )
    edit.field("new_photo_credit").fill("Photo : Pépinière santé")
    edit.field("new_photo_alt_fr").fill("Le plateau de bureaux, baigné de lumière")
    edit.submit(page.locator('button[value="save"]'))
    expect(edit.messages).to_contain_text("Vos modifications sont publiées.")
    detail = SpaceDetailPage(operator_tab, "pepiniere-sante-du-parc").open()
    expect(detail.main.locator('img[alt="Le plateau de bureaux, baigné de lumière"]')).to_have_count(1)
    expect(detail.main).to_contain_text("Photo : Pépinière santé")

    # The availability: a fact the operator states, published at once.
    edit = FormPage(operator_tab, "/espaces/pepiniere-sante-du-parc/modifier/").open()
    with page.expect_navigation():
        page.locator(".space-availability-box a", has_text="Confirmer la disponibilité").click()
    confirm = FormPage(operator_tab)
    confirm.loaded()
    page.locator("#id_units_available").fill("5")
    confirm.submit(confirm.main.locator('button[type="submit"]'))
    assert confirm.path_now == "/espaces/pepiniere-sante-du-parc/modifier/"
    detail = SpaceDetailPage(operator_tab, "pepiniere-sante-du-parc").open()
    expect(detail.availability).to_contain_text("5 locaux disponibles")
    expect(detail.facts).to_contain_text("de 14 à 19 € le m² par mois")
