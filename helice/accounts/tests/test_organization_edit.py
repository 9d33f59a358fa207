"""The partner edits its organisation's profile: form, preview, held or published
change, withdrawal; and who may do it (role × action × ownership, by direct URL)."""

import re

import pytest
from django.urls import reverse

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.testing.hostile import assert_form_resists_hostile_input, assert_inert
from helice.directory.models import Organization
from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory
from helice.moderation.models import Revision, RevisionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_a():
    return OrganizationFactory(name="Alpha Innovation", slug="alpha", description_fr="Texte d'origine.")


@pytest.fixture
def org_b():
    return OrganizationFactory(name="Bêta Conseil", slug="beta", draft=True)


def form_data(org, **changes):
    data = {
        "name": org.name,
        "acronym": org.acronym,
        "description_fr": org.description_fr,
        "description_en": org.description_en,
        "website": org.website,
        "address": org.address,
        "postal_code": org.postal_code,
        "commune": org.commune.insee_code if org.commune else "",
        "naf_code": org.naf_code,
        "siren": org.siren,
        "siret": org.siret,
        "founding_year": org.founding_year or "",
        "headcount_band": org.headcount_band,
        "action": "save",
    }
    data.update(changes)
    return data


def edit_url(org):
    return reverse("accounts:organization_edit", args=[org.slug])


def login(client, user):
    client.force_login(user)
    return client


def test_editor_change_waits_for_review(client, org_a):
    editor = MembershipFactory(organization=org_a).user
    login(client, editor)
    response = client.post(edit_url(org_a), form_data(org_a, name="Alpha Innovation Grenoble"))
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.name == "Alpha Innovation"
    revision = Revision.objects.get()
    assert revision.status == RevisionStatus.PENDING
    assert revision.author == editor
    # The partner sees it waiting in its space, and the form starts from it.
    page = client.get(reverse("accounts:organization", args=[org_a.slug]))
    assert "En attente de relecture" in page.content.decode()
    assert 'value="Alpha Innovation Grenoble"' in client.get(edit_url(org_a)).content.decode()


def test_trusted_organisation_publishes_at_once(client, org_a):
    Organization.objects.filter(pk=org_a.pk).update(is_trusted=True)
    sector = SectorFactory(slug="sante", name_fr="Santé")
    commune = CommuneFactory(insee_code="38185", name="Grenoble", slug="grenoble")
    login(client, MembershipFactory(organization=org_a).user)
    response = client.post(
        edit_url(org_a), form_data(org_a, description_fr="Nouvelle présentation.", sectors=["sante"], commune="38185")
    )
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.description_fr == "Nouvelle présentation."
    assert list(org_a.sectors.all()) == [sector]
    assert org_a.commune == commune
    assert "Nouvelle présentation." in client.get(org_a.get_absolute_url()).content.decode()


def test_preview_shows_the_change_and_saves_nothing(client, org_a):
    login(client, MembershipFactory(organization=org_a).user)
    response = client.post(edit_url(org_a), form_data(org_a, description_fr="Aperçu du texte.", action="preview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Aperçu du texte." in html
    assert 'id="preview-heading"' in html
    assert not Revision.objects.exists()
    org_a.refresh_from_db()
    assert org_a.description_fr == "Texte d'origine."


def test_invalid_input_is_a_400_and_saves_nothing(client, org_a):
    login(client, MembershipFactory(organization=org_a).user)
    response = client.post(edit_url(org_a), form_data(org_a, siren="123456789", name=""))
    assert response.status_code == 400
    assert "SIREN" in response.content.decode()
    assert not Revision.objects.exists()


def test_unchanged_form_says_so(client, org_a):
    login(client, MembershipFactory(organization=org_a).user)
    response = client.post(edit_url(org_a), form_data(org_a), follow=True)
    assert "Aucune modification" in response.content.decode()
    assert not Revision.objects.exists()


def test_refusal_reason_reaches_the_partner(client, org_a):
    editor = MembershipFactory(organization=org_a).user
    login(client, editor)
    client.post(edit_url(org_a), form_data(org_a, name="Nom refusé"))
    revision = Revision.objects.get()
    client.force_login(UserFactory(moderator=True))
    response = client.post(
        reverse("moderation:review", args=[revision.pk]), {"action": "reject", "reason": "Nom non officiel."}
    )
    assert response.status_code == 302
    client.force_login(editor)
    page = client.get(reverse("accounts:organization", args=[org_a.slug])).content.decode()
    assert "Nom non officiel." in page


def test_withdraw_a_proposal(client, org_a):
    login(client, MembershipFactory(organization=org_a).user)
    client.post(edit_url(org_a), form_data(org_a, name="Brouillon"))
    revision = Revision.objects.get()
    response = client.post(reverse("accounts:revision_withdraw", args=[org_a.slug, revision.pk]))
    assert response.status_code == 302
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.WITHDRAWN


def test_description_resists_hostile_input(client, org_a):
    Organization.objects.filter(pk=org_a.pk).update(is_trusted=True)
    login(client, MembershipFactory(organization=org_a).user)
    statuses = assert_form_resists_hostile_input(
        client,
        edit_url(org_a),
        "description_fr",
        data=lambda name: form_data(Organization.objects.get(pk=org_a.pk)),
        show_url=org_a.get_absolute_url(),
    )
    assert statuses["null_byte"] == 400  # refused by the form, nothing stored
    org_a.refresh_from_db()
    assert "<script" not in org_a.description_fr.lower()
    assert "onerror" not in org_a.description_fr.lower()


def test_name_resists_hostile_input(client, org_a):
    Organization.objects.filter(pk=org_a.pk).update(is_trusted=True)
    login(client, MembershipFactory(organization=org_a).user)
    assert_form_resists_hostile_input(
        client,
        edit_url(org_a),
        "name",
        data=lambda name: form_data(Organization.objects.get(pk=org_a.pk)),
        show_url=lambda name, response: reverse("accounts:organization", args=[org_a.slug]),
    )
    assert_inert(client.get(reverse("directory:list")).content)


# --- Who may do what: role × action × ownership -------------------------------------

ROLES = ["anonymous", "outsider", "editor_a", "admin_a", "editor_b", "moderator", "superuser"]


def make_user(role, org_a, org_b):
    if role == "anonymous":
        return None
    if role == "outsider":
        return UserFactory(verified=True)
    if role in ("editor_a", "admin_a"):
        return MembershipFactory(organization=org_a, admin=role == "admin_a").user
    if role == "editor_b":
        return MembershipFactory(organization=org_b).user
    if role == "moderator":
        return UserFactory(verified=True, moderator=True)
    return UserFactory(verified=True, is_superuser=True, is_staff=True)


MAY_EDIT_A = {"editor_a", "admin_a", "moderator", "superuser"}
MAY_EDIT_B = {"editor_b", "moderator", "superuser"}


@pytest.mark.parametrize("role", ROLES)
def test_edit_page_of_a(client, role, org_a, org_b):
    user = make_user(role, org_a, org_b)
    if user:
        client.force_login(user)
    response = client.get(edit_url(org_a))
    if role == "anonymous":
        assert response.status_code == 302 and "/comptes/" in response["Location"]
    else:
        assert response.status_code == (200 if role in MAY_EDIT_A else 404)


@pytest.mark.parametrize("role", ROLES)
def test_post_to_a(client, role, org_a, org_b):
    user = make_user(role, org_a, org_b)
    if user:
        client.force_login(user)
    response = client.post(edit_url(org_a), form_data(org_a, name="Pris d'assaut"))
    changed = Revision.objects.filter(object_id=org_a.pk).exists()
    assert changed == (role in MAY_EDIT_A)
    if role not in MAY_EDIT_A:
        assert response.status_code in (302, 404)
        org_a.refresh_from_db()
        assert org_a.name == "Alpha Innovation"


@pytest.mark.parametrize("role", ROLES)
def test_draft_of_b_never_leaks(client, role, org_a, org_b):
    """B is a draft: only its members and the team see it, by any URL."""
    user = make_user(role, org_a, org_b)
    if user:
        client.force_login(user)
    assert client.get(reverse("directory:detail", args=[org_b.slug])).status_code == 404
    assert client.get(f"/api/v1/organizations/{org_b.slug}").status_code == 404
    edit = client.get(edit_url(org_b))
    if role == "anonymous":
        assert edit.status_code == 302
    else:
        assert edit.status_code == (200 if role in MAY_EDIT_B else 404)
    admin = client.get(reverse("admin:directory_organization_change", args=[org_b.pk]))
    assert admin.status_code == (200 if role == "superuser" else 302)


def test_withdraw_through_another_organisations_url_is_refused(client, org_a, org_b):
    """IDOR: a revision of A addressed through B's URL, by B's editor."""
    login(client, MembershipFactory(organization=org_a).user)
    client.post(edit_url(org_a), form_data(org_a, name="Proposition de A"))
    revision = Revision.objects.get()
    client.force_login(MembershipFactory(organization=org_b).user)
    response = client.post(reverse("accounts:revision_withdraw", args=[org_b.slug, revision.pk]))
    assert response.status_code == 404
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.PENDING


@pytest.mark.parametrize("role", ROLES)
def test_trust_switch(client, role, org_a, org_b):
    user = make_user(role, org_a, org_b)
    if user:
        client.force_login(user)
    client.post(reverse("accounts:organization_trust", args=[org_a.slug]), {"trusted": "1"})
    org_a.refresh_from_db()
    assert org_a.is_trusted == (role in {"moderator", "superuser"})


def test_plain_text_is_stored_as_typed_and_markup_is_cleaned(client, org_a):
    Organization.objects.filter(pk=org_a.pk).update(is_trusted=True)
    login(client, MembershipFactory(organization=org_a).user)
    client.post(edit_url(org_a), form_data(org_a, description_fr="L'atelier R&D « ouvert »."))
    org_a.refresh_from_db()
    assert org_a.description_fr == "L'atelier R&D « ouvert »."
    client.post(
        edit_url(org_a),
        form_data(
            org_a,
            description_fr='<p>Un <strong>atelier</strong><script>alert(1)</script> <a href="javascript:x">lien</a></p>',
        ),
    )
    org_a.refresh_from_db()
    assert "<strong>atelier</strong>" in org_a.description_fr
    assert "script" not in org_a.description_fr and "javascript" not in org_a.description_fr


def _png(color=(200, 30, 30)):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), color).save(buffer, "PNG")
    return buffer.getvalue()


def test_logo_upload_is_checked_and_stored_with_the_change(client, org_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    Organization.objects.filter(pk=org_a.pk).update(is_trusted=True)
    login(client, MembershipFactory(organization=org_a).user)
    svg = SimpleUploadedFile("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    response = client.post(edit_url(org_a), {**form_data(org_a), "logo_upload": svg})
    assert response.status_code == 400
    assert not Revision.objects.exists()
    png = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    response = client.post(edit_url(org_a), {**form_data(org_a), "logo_upload": png})
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.logo.name.startswith("organizations/logos/")
    assert Revision.objects.get().data["logo"] == org_a.logo.name


def test_form_starts_from_the_published_commune_and_sectors(client):
    """The prefilled form must carry the commune and sectors back unchanged
    (a commune lost on an unrelated edit was a real bug)."""
    commune = CommuneFactory(insee_code="38229", name="Meylan", slug="meylan")
    sector = SectorFactory(slug="energie", name_fr="Énergie")
    org = OrganizationFactory(name="Gamma", slug="gamma", commune=commune, sectors=[sector])
    login(client, MembershipFactory(organization=org).user)
    html = client.get(edit_url(org)).content.decode()
    assert re.search(r'<option value="38229"[^>]*selected', html)
    assert re.search(r'value="energie"[^>]*checked', html)


def test_a_waiting_logo_survives_a_second_save(client, org_a):
    """The second save supersedes the proposal: the logo it carried is kept."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, MembershipFactory(organization=org_a).user)
    png = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    client.post(edit_url(org_a), {**form_data(org_a), "logo_upload": png})
    first = Revision.objects.get()
    assert first.data["logo"]
    page = client.get(edit_url(org_a)).content.decode()
    assert first.data["logo"].rsplit("/", 1)[-1] in page  # the waiting logo is shown
    client.post(edit_url(org_a), form_data(org_a, name="Alpha Innovation Grenoble"))
    second = Revision.objects.pending().get()
    assert second.data["logo"] == first.data["logo"]
    assert second.data["name"] == "Alpha Innovation Grenoble"


def test_markup_stays_out_of_meta_tags_and_json_ld(client, org_a):
    import json

    Organization.objects.filter(pk=org_a.pk).update(is_trusted=True)
    login(client, MembershipFactory(organization=org_a).user)
    client.post(edit_url(org_a), form_data(org_a, description_fr="<p>L'atelier <strong>ouvert</strong> & gratuit</p>"))
    html = client.get(org_a.get_absolute_url()).content.decode()
    assert '<meta name="description" content="L&#x27;atelier ouvert &amp; gratuit">' in html
    payload = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert payload["description"] == "L'atelier ouvert & gratuit"
    assert "<strong>ouvert</strong>" in html  # the page itself keeps the allowed markup
