"""Partners propose new services from their space: who may, what is created (a
draft and a revision of new content), publication at once for a trusted provider
or a moderator, after a moderator's approval otherwise, refusal, bad and hostile
input, and when the new service shows in the public list, the finder and the API."""

import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.testing.hostile import assert_form_resists_hostile_input
from helice.directory.models import Organization, PublicationStatus
from helice.directory.tests.factories import OrganizationFactory
from helice.guichet import services
from helice.guichet.models import Service
from helice.guichet.tests.factories import ServiceFactory
from helice.moderation import services as moderation
from helice.moderation.models import Revision, RevisionKind, RevisionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    services.taxonomy_load()
    provider = OrganizationFactory(name="Incubateur Belledonne", slug="incubateur-belledonne")
    other = OrganizationFactory(name="Autre structure", slug="autre-structure")
    return {"provider": provider, "other": other}


def propose_url(organization):
    return reverse("guichet_partner:propose", kwargs={"organization_slug": organization.slug})


def space_url(organization):
    return reverse("accounts:organization", args=[organization.slug])


def data(**changes):
    values = {
        "name": "Prêt d'honneur Quokka",
        "kind": "honour_loan",
        "summary_fr": "Un prêt à taux zéro pour les créateurs.",
        "description_fr": "Jusqu'à 30 000 € sans garantie personnelle.",
        "needs": ["coaching-creation"],
        "stages": ["creation"],
        "calendar": "permanent",
        "how_to_apply_fr": "Écrire au comité.",
        "action": "save",
    }
    values.update(changes)
    return values


def text(response) -> str:
    """The page as a person reads it (translations carry apostrophes, escaped or not)."""
    return html.unescape(response.content.decode())


def member_of(organization):
    return MembershipFactory(organization=organization).user


def finder_html(client):
    return text(client.get(reverse("guichet:finder"), {"q": "quokka"}))


def visible_publicly(client, slug):
    """Where a published service shows: the list, the finder, its page and the API."""
    return {
        "list": "Quokka" in text(client.get(reverse("guichet:services"), {"q": "quokka"})),
        "finder": f"/guichet/dispositifs/{slug}/" in finder_html(client),
        "page": client.get(reverse("guichet:service", args=[slug])).status_code == 200,
        "api": client.get("/api/v1/services", {"q": "quokka"}).json()["count"] == 1,
    }


NOWHERE = {"list": False, "finder": False, "page": False, "api": False}
EVERYWHERE = {"list": True, "finder": True, "page": True, "api": True}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),  # to the sign-in page
        ("outsider", 404),
        ("member", 200),
        ("member_of_other", 404),
        ("moderator", 200),
    ],
)
def test_who_may_propose_a_service(client, setting, role, expected):
    users = {
        "outsider": lambda: UserFactory(),
        "member": lambda: member_of(setting["provider"]),
        "member_of_other": lambda: member_of(setting["other"]),
        "moderator": lambda: UserFactory(moderator=True),
    }
    if role in users:
        client.force_login(users[role]())
    url = propose_url(setting["provider"])
    assert client.get(url).status_code == expected
    assert client.post(url, data()).status_code == (302 if role in ("member", "moderator", "anonymous") else 404)
    assert Service.objects.exists() == (role in ("member", "moderator"))


def test_the_rule_is_asked_by_the_service_itself(setting):
    with pytest.raises(PermissionDenied):
        services.service_propose(organization=setting["provider"], by=member_of(setting["other"]), data=data())
    assert not Service.objects.exists() and not Revision.objects.exists()


def test_an_unknown_organisation_is_a_404(client, setting):
    client.force_login(UserFactory(moderator=True))
    assert client.get("/mon-espace/organisations/inconnue/dispositifs/nouveau/").status_code == 404


def test_the_link_shows_in_the_space_of_an_organisation_without_services(client, setting):
    client.force_login(member_of(setting["provider"]))
    page = text(client.get(space_url(setting["provider"])))
    assert "Vos dispositifs" in page and "aucun dispositif" in page
    assert propose_url(setting["provider"]) in page
    client.force_login(UserFactory(moderator=True))
    assert propose_url(setting["provider"]) in text(client.get(space_url(setting["provider"])))


def test_a_proposal_waits_for_review_then_approval_publishes_it(
    client, setting, mailoutbox, django_capture_on_commit_callbacks
):
    moderator = UserFactory(moderator=True, email="moderation@example.org")
    member = member_of(setting["provider"])
    client.force_login(member)
    page = text(client.get(propose_url(setting["provider"])))
    assert "relu par l'équipe de la Métropole" in page

    with django_capture_on_commit_callbacks(execute=True):  # mails, and the history's own recording
        response = client.post(propose_url(setting["provider"]), data(comment="Nouveau dispositif 2026."))
    assert response.status_code == 302 and response.url == space_url(setting["provider"])
    service = Service.objects.get()
    assert service.status == PublicationStatus.DRAFT and service.publish_on_approval
    assert service.slug == "pret-dhonneur-quokka" and list(service.providers.all()) == [setting["provider"]]
    assert service.name == "Prêt d'honneur Quokka" and service.kind == "honour_loan"
    assert service.summary_fr == ""  # the content waits in the proposal
    revision = Revision.objects.get()  # the draft's shell is not recorded as a change of its own
    assert revision.status == RevisionStatus.PENDING and revision.kind == RevisionKind.PARTNER
    assert revision.organization == setting["provider"] and revision.author == member
    assert revision.data["summary_fr"] == "Un prêt à taux zéro pour les créateurs."
    assert revision.previous_data["name"] == ""  # new content: compared with the empty state
    assert [m.to for m in mailoutbox] == [["moderation@example.org"]]
    assert visible_publicly(client, service.slug) == NOWHERE

    space = text(client.get(space_url(setting["provider"])))
    assert "Prêt d'honneur Quokka" in space and "Nouveau dispositif, pas encore public" in space
    assert "En attente de relecture" in space

    client.force_login(moderator)
    review = text(client.get(reverse("moderation:review", args=[revision.pk])))
    assert "publier cette modification le rend public" in review
    for shown in ("Prêt d'honneur Quokka", '<th scope="row">Type</th>', "Un prêt à taux zéro", "Écrire au comité"):
        assert shown in review
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("moderation:review", args=[revision.pk]), {"action": "approve"})
    service.refresh_from_db()
    assert service.status == PublicationStatus.PUBLISHED and service.published_at is not None
    assert not service.publish_on_approval
    assert mailoutbox[-1].to == [member.email]
    assert service.summary_fr == "Un prêt à taux zéro pour les créateurs."
    assert [n.code for n in service.needs.all()] == ["coaching-creation"]
    assert Revision.objects.get().status == RevisionStatus.PUBLISHED
    client.logout()
    assert visible_publicly(client, service.slug) == EVERYWHERE


@pytest.mark.parametrize("author", ["trusted_member", "moderator"])
def test_a_trusted_provider_or_a_moderator_publishes_at_once(
    client, setting, author, django_capture_on_commit_callbacks
):
    if author == "trusted_member":
        Organization.objects.filter(pk=setting["provider"].pk).update(is_trusted=True)
        user = member_of(setting["provider"])
    else:
        user = UserFactory(moderator=True)
    client.force_login(user)
    assert "publié dès que vous l" in text(client.get(propose_url(setting["provider"])))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(propose_url(setting["provider"]), data())
    service = Service.objects.get()
    assert service.status == PublicationStatus.PUBLISHED and service.published_at is not None
    assert not service.publish_on_approval
    revision = Revision.objects.get()
    assert revision.status == RevisionStatus.PUBLISHED
    assert revision.kind == (RevisionKind.PARTNER if author == "trusted_member" else RevisionKind.STAFF)
    client.logout()
    assert visible_publicly(client, service.slug) == EVERYWHERE


def test_a_refused_proposal_stays_a_draft_with_its_reason_and_can_be_corrected(client, setting):
    moderator = UserFactory(moderator=True)
    member = member_of(setting["provider"])
    client.force_login(member)
    client.post(propose_url(setting["provider"]), data())
    service = Service.objects.get()
    revision = Revision.objects.get()
    client.force_login(moderator)
    client.post(
        reverse("moderation:review", args=[revision.pk]), {"action": "reject", "reason": "Précisez les montants."}
    )
    service.refresh_from_db()
    assert service.status == PublicationStatus.DRAFT and service.publish_on_approval
    assert visible_publicly(client, service.slug) == NOWHERE

    client.force_login(member)
    space = text(client.get(space_url(setting["provider"])))
    assert "Proposition refusée" in space and "Précisez les montants." in space
    edit_url = reverse(
        "guichet_partner:edit", kwargs={"organization_slug": setting["provider"].slug, "service_slug": service.slug}
    )
    edit = text(client.get(edit_url))
    assert "Précisez les montants." in edit
    assert "Un prêt à taux zéro pour les créateurs." in edit  # starts from the refused proposal
    response = client.post(edit_url, data(amount_note_fr="Jusqu'à 30 000 €."))
    assert response.status_code == 302
    second = Revision.objects.pending().get()
    assert second.data["summary_fr"] == "Un prêt à taux zéro pour les créateurs."
    client.force_login(moderator)
    assert "le rend public" in text(client.get(reverse("moderation:review", args=[second.pk])))
    client.post(reverse("moderation:review", args=[second.pk]), {"action": "approve"})
    service.refresh_from_db()
    assert service.status == PublicationStatus.PUBLISHED and service.amount_note_fr == "Jusqu'à 30 000 €."
    assert service.summary_fr == "Un prêt à taux zéro pour les créateurs."


@pytest.mark.parametrize("trusted", [False, True])
def test_an_admin_draft_edited_by_a_partner_is_not_published_by_surprise(client, setting, trusted):
    Organization.objects.filter(pk=setting["provider"].pk).update(is_trusted=trusted)
    draft = ServiceFactory(draft=True, name="Brouillon de l'équipe", providers=[setting["provider"]])
    assert not draft.publish_on_approval
    client.force_login(member_of(setting["provider"]))
    edit_url = reverse(
        "guichet_partner:edit", kwargs={"organization_slug": setting["provider"].slug, "service_slug": draft.slug}
    )
    response = client.post(
        edit_url, data(name=draft.name, kind=draft.kind, summary_fr="Complété par le partenaire."), follow=True
    )
    if trusted:
        assert "pas public" in text(response)
    else:
        revision = Revision.objects.pending().get()
        client.force_login(UserFactory(moderator=True))
        review = text(client.get(reverse("moderation:review", args=[revision.pk])))
        assert "le rend public" not in review
        client.post(reverse("moderation:review", args=[revision.pk]), {"action": "approve"})
    draft.refresh_from_db()
    assert draft.summary_fr == "Complété par le partenaire."
    assert draft.status == PublicationStatus.DRAFT and draft.published_at is None


def test_preview_saves_nothing(client, setting):
    client.force_login(member_of(setting["provider"]))
    response = client.post(propose_url(setting["provider"]), data(action="preview"))
    assert response.status_code == 200
    page = text(response)
    assert "Aperçu" in page and "Un prêt à taux zéro pour les créateurs." in page and "Type de dispositif" in page
    assert not Service.objects.exists() and not Revision.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"name": "   "},
        {"kind": ""},
        {"kind": "teleportation"},
        {"name": "x" * 201},
        {"calendar": "permanent", "closes_on": "2027-01-31"},
        {"calendar": "call", "opens_on": "2027-03-01", "closes_on": "2027-01-31"},
        {"needs": ["inconnu"]},
        {"website": "javascript:alert(1)"},
        {"contact_email": "pas une adresse"},
        {"summary_fr": "nul\x00"},
    ],
)
def test_bad_input_is_a_400_and_saves_nothing(client, setting, changes):
    client.force_login(member_of(setting["provider"]))
    response = client.post(propose_url(setting["provider"]), data(**changes))
    assert response.status_code == 400
    assert "Le dispositif n'a pas été enregistré" in text(response)
    assert not Service.objects.exists() and not Revision.objects.exists()


def test_service_level_validation_and_a_failure_leave_no_half_created_draft(setting, monkeypatch):
    member = member_of(setting["provider"])
    with pytest.raises(ValidationError) as error:
        services.service_propose(organization=setting["provider"], by=member, data={**data(), "closes_on": "x"})
    assert "closes_on" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.service_propose(organization=setting["provider"], by=member, data={**data(), "kind": "x"})

    def broken(**kwargs):
        raise RuntimeError("the moderation step failed")

    monkeypatch.setattr(moderation, "revision_submit", broken)
    with pytest.raises(RuntimeError):
        services.service_propose(organization=setting["provider"], by=member, data=data())
    assert not Service.objects.exists() and not Revision.objects.exists()


def test_slugs_are_unique_and_never_the_page_s_own_address(setting):
    member = member_of(setting["provider"])
    first, _ = services.service_propose(organization=setting["provider"], by=member, data=data())
    second, _ = services.service_propose(organization=setting["provider"], by=member, data=data())
    assert (first.slug, second.slug) == ("pret-dhonneur-quokka", "pret-dhonneur-quokka-2")
    reserved, _ = services.service_propose(organization=setting["provider"], by=member, data=data(name="Nouveau"))
    assert reserved.slug == "nouveau-2"
    unicode_only, _ = services.service_propose(organization=setting["provider"], by=member, data=data(name="孵化器"))
    assert unicode_only.slug == "dispositif"


def test_free_text_fields_resist_hostile_input(client, setting):
    Organization.objects.filter(pk=setting["provider"].pk).update(is_trusted=True)
    client.force_login(member_of(setting["provider"]))

    def shown(name, response):
        if response.status_code != 302:
            return None  # the answer itself (a form with its errors) is checked
        return Service.objects.order_by("-id").first().get_absolute_url()

    for field in ("name", "summary_fr", "description_fr", "how_to_apply_fr"):
        assert_form_resists_hostile_input(
            client, propose_url(setting["provider"]), field, data=lambda name: data(), show_url=shown
        )
    # And the partner space, which lists every one of them.
    assert_form_resists_hostile_input(
        client,
        propose_url(setting["provider"]),
        "name",
        data=lambda name: data(),
        show_url=space_url(setting["provider"]),
    )
