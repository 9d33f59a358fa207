"""Partners add, edit and cancel their events from their space, through the
moderation mechanism: who may (a matrix), what is created (a draft shell and a
revision of new content holding the dates), publication at once for a trusted
organisation or a moderator and after approval otherwise, refusal with its
reason, cancellation (never deletion), bad and hostile input (400, nothing
saved), images checked, CSRF."""

import datetime
import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.agenda.models import Event, EventKind, EventStatus
from helice.agenda.tests.factories import EventFactory, in_days
from helice.core.testing.hostile import assert_form_resists_hostile_input
from helice.directory.models import PublicationStatus
from helice.directory.tests.factories import OrganizationFactory
from helice.moderation import services as moderation
from helice.moderation.models import Revision, RevisionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory(name="Association Quokka", slug="association-quokka", is_trusted=False)


@pytest.fixture
def trusted():
    return OrganizationFactory(name="Cluster Minalogic", slug="cluster-minalogic", is_trusted=True)


def member_of(organization):
    return MembershipFactory(organization=organization).user


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def list_url(organization):
    return reverse("agenda_partner:list", kwargs={"organization_slug": organization.slug})


def propose_url(organization):
    return reverse("agenda_partner:propose", kwargs={"organization_slug": organization.slug})


def edit_url(organization, event):
    return reverse("agenda_partner:edit", kwargs={"organization_slug": organization.slug, "event_slug": event.slug})


def cancel_url(organization, event):
    return reverse("agenda_partner:cancel", kwargs={"organization_slug": organization.slug, "event_slug": event.slug})


def next_year(month=3, day=14):
    return datetime.date.today().year + 1, month, day


def data(slots=None, **changes):
    year, month, day = next_year()
    values = {
        "title_fr": "Forum Quokka de l'innovation",
        "kind": EventKind.FORUM,
        "summary_fr": "Rencontres entre start-up et industriels.",
        "description_fr": "Une journée de rencontres.",
        "attendance": "on_site",
        "venue_name": "Alpexpo",
        "scope": "local",
        "country": "FR",
        "event_status": EventStatus.SCHEDULED,
        "for_professionals": "on",
        "is_free": "true",
        "action": "save",
    }
    slots = (
        slots
        if slots is not None
        else [(f"{year}-{month:02d}-{day:02d}T09:30", f"{year}-{month:02d}-{day:02d}T17:00", "Europe/Paris", False)]
    )
    values.update(
        {
            "slots-TOTAL_FORMS": str(max(len(slots), 1)),
            "slots-INITIAL_FORMS": "0",
            "slots-MIN_NUM_FORMS": "0",
            "slots-MAX_NUM_FORMS": "120",
        }
    )
    for n, (start, end, zone, all_day) in enumerate(slots):
        values[f"slots-{n}-start"] = start
        values[f"slots-{n}-end"] = end
        values[f"slots-{n}-time_zone"] = zone
        if all_day:
            values[f"slots-{n}-all_day"] = "on"
    values.update(changes)
    return values


def image_file(name="affiche.png", fmt="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- Who may: a matrix -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("outsider", 404), ("member", 200), ("moderator", 200), ("administrator", 200)],
)
def test_who_may_reach_the_partner_pages(org, who, expected):
    event = EventFactory(organisers=[org])
    user = {
        "anonymous": None,
        "outsider": member_of(OrganizationFactory()),
        "member": member_of(org),
        "moderator": UserFactory(moderator=True),
        "administrator": UserFactory(administrator=True),
    }[who]
    client = client_for(user)
    urls = [
        list_url(org),
        propose_url(org),
        edit_url(org, event),
        cancel_url(org, event),
        reverse("agenda_partner:feeds", kwargs={"organization_slug": org.slug}),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == expected, url
        if expected == 302:
            assert "/comptes/" in response["Location"]


def test_an_event_of_another_organisation_cannot_be_reached_through_ones_own(org):
    member = member_of(org)
    foreign = EventFactory(organisers=[OrganizationFactory()])
    client = client_for(member)
    assert client.get(edit_url(org, foreign)).status_code == 404
    assert client.post(cancel_url(org, foreign)).status_code == 404
    other = OrganizationFactory()
    assert client.get(edit_url(other, foreign)).status_code == 404
    assert foreign.event_status == EventStatus.SCHEDULED


@pytest.mark.parametrize(
    ("who", "may_edit"),
    [
        ("organiser member", True),
        ("co-organiser member", True),
        ("outsider", False),
        ("moderator", True),
        ("anonymous", False),
    ],
)
def test_the_edit_permission_matrix(org, who, may_edit):
    from django.contrib.auth.models import AnonymousUser

    co = OrganizationFactory()
    event = EventFactory(organisers=[org, co])
    user = {
        "organiser member": lambda: member_of(org),
        "co-organiser member": lambda: member_of(co),
        "outsider": lambda: member_of(OrganizationFactory()),
        "moderator": lambda: UserFactory(moderator=True),
        "anonymous": AnonymousUser,
    }[who]()
    assert user.has_perm("agenda.edit_event", event) is may_edit


# --- Proposing ----------------------------------------------------------------------------


def test_a_member_proposes_an_event_that_a_moderator_publishes(org):
    member = member_of(org)
    client = client_for(member)
    assert "Ajouter un événement" in text(client.get(reverse("accounts:organization", args=[org.slug])))
    response = client.post(propose_url(org), data())
    assert response.status_code == 302 and response["Location"] == list_url(org)
    event = Event.objects.get()
    assert (event.status, event.publish_on_approval) == (PublicationStatus.DRAFT, True)
    assert list(event.organisers.all()) == [org]
    assert not event.time_slots.exists()  # the dates wait in the proposal
    revision = Revision.objects.get(status=RevisionStatus.PENDING)
    assert revision.author == member and revision.organization == org
    assert len(revision.data["time_slots"]) == 1
    page = text(client.get(list_url(org)))
    assert "Forum Quokka" in page and "En attente de relecture" in page
    assert client.get(event.get_absolute_url()).status_code == 404 if _detail_exists() else True

    moderator = UserFactory(moderator=True)
    review = client_for(moderator).get(reverse("moderation:review", args=[revision.pk]))
    assert review.status_code == 200 and "Dates" in text(review)
    moderation.revision_approve(revision=revision, by=moderator)
    event.refresh_from_db()
    assert event.status == PublicationStatus.PUBLISHED and not event.publish_on_approval
    slot = event.time_slots.get()
    assert (slot.local_start.hour, slot.local_start.minute, slot.time_zone) == (9, 30, "Europe/Paris")
    assert event.starts_at == slot.start
    assert "Publié" in text(client.get(list_url(org)))


def _detail_exists() -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse("agenda:detail", kwargs={"slug": "x"})
    except NoReverseMatch:
        return False
    return True


def test_a_trusted_organisation_publishes_at_once_with_several_slots_in_their_zones(trusted):
    client = client_for(member_of(trusted))
    year = next_year()[0]
    slots = [
        (f"{year}-04-02T10:00", f"{year}-04-02T18:00", "Asia/Tokyo", False),
        (f"{year}-04-03", f"{year}-04-04", "Asia/Tokyo", True),
    ]
    response = client.post(
        propose_url(trusted),
        data(slots=slots, scope="abroad", country="JP", city="Tokyo", venue_name="Tokyo Big Sight"),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.status == PublicationStatus.PUBLISHED and event.is_abroad
    timed, all_day = event.time_slots.order_by("start")
    assert timed.time_zone == "Asia/Tokyo" and timed.local_start.hour == 10
    assert all_day.all_day and (all_day.first_day.day, all_day.last_day.day) == (3, 4)


def test_a_moderator_publishes_at_once_too(org):
    client = client_for(UserFactory(moderator=True))
    assert client.post(propose_url(org), data()).status_code == 302
    assert Event.objects.get().status == PublicationStatus.PUBLISHED


def test_the_preview_saves_nothing(org):
    response = client_for(member_of(org)).post(propose_url(org), data(action="preview"))
    assert response.status_code == 200
    assert "Aperçu" in text(response) and "Forum Quokka" in text(response)
    assert not Event.objects.exists() and not Revision.objects.exists()


def test_a_refused_proposal_shows_its_reason_and_can_be_corrected(org):
    member = member_of(org)
    client = client_for(member)
    client.post(propose_url(org), data())
    revision = Revision.objects.get()
    moderation.revision_reject(revision=revision, by=UserFactory(moderator=True), reason="Il manque le lieu exact.")
    page = text(client.get(list_url(org)))
    assert "Refusé" in page and "Il manque le lieu exact." in page
    event = Event.objects.get()
    edit = text(client.get(edit_url(org, event)))
    assert "Il manque le lieu exact." in edit and "Forum Quokka" in edit  # the form starts from the proposal
    assert client.get(list_url(org), {"etat": "refused"}).status_code == 200
    assert "Forum Quokka" not in text(client.get(list_url(org), {"etat": "published"}))


# --- Bad input: 400, nothing saved -----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slots": []}, "au moins une date"),
        ({"slots": [("2027-13-45T99:00", "", "Europe/Paris", False)]}, None),
        ({"slots": [("2027-05-02T10:00", "2027-05-02T09:00", "Europe/Paris", False)]}, None),
        ({"slots": [("2027-05-02T10:00", "", "Mars/Olympus", False)]}, None),
        (
            {"slots": [("2027-03-28T02:30", "", "Europe/Paris", False)]},
            "2027-03-28 02:30",
        ),  # skipped by the change of time
        ({"title_fr": ""}, None),
        ({"kind": "rave"}, None),
        ({"country": "JP", "commune": "38185"}, None),
        ({"attendance": "online"}, "en ligne"),
        ({"registration_url": "javascript:alert(1)"}, None),
        ({"title_fr": "x" * 201}, None),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(org, changes, message):
    from helice.core.models import Commune

    Commune.objects.get_or_create(insee_code="38185", defaults={"name": "Grenoble"})
    response = client_for(member_of(org)).post(propose_url(org), data(**changes))
    assert response.status_code == 400
    if message:
        assert message in text(response)
    assert not Event.objects.exists() and not Revision.objects.exists()


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("affiche.png", b"<html><script>alert(1)</script></html>", content_type="image/png"),
        SimpleUploadedFile(
            "affiche.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', content_type="image/svg+xml"
        ),
    ],
)
def test_images_that_are_not_pictures_are_refused(org, upload):
    response = client_for(member_of(org)).post(propose_url(org), {**data(), "image_upload": upload})
    assert response.status_code == 400
    assert not Event.objects.exists()


def test_a_picture_is_re_encoded_and_kept_in_the_proposal(trusted, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client_for(member_of(trusted)).post(
        propose_url(trusted), {**data(image_alt_fr="Affiche du forum"), "image_upload": image_file()}
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.image.name.startswith("agenda/events/") and event.image.name.endswith(".png")
    assert "affiche" not in event.image.name


def test_hostile_titles_are_inert(org):
    client = client_for(member_of(org))
    counter = iter(range(1000))
    assert_form_resists_hostile_input(
        client,
        propose_url(org),
        "title_fr",
        data=lambda name: data(action="preview", **{"summary_fr": f"résumé {next(counter)}"}),
    )


def test_csrf_is_enforced(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member_of(org))
    assert client.post(propose_url(org), data()).status_code == 403
    assert not Event.objects.exists()


# --- Editing and cancelling --------------------------------------------------------------------


def test_a_change_to_a_published_event_waits_for_review_dates_included(org):
    event = EventFactory(organisers=[org], title_fr="Atelier robotique")
    member = member_of(org)
    client = client_for(member)
    page = client.get(edit_url(org, event))
    assert page.status_code == 200 and "Atelier robotique" in text(page)
    year = next_year()[0]
    response = client.post(
        edit_url(org, event),
        {
            **data(
                slots=[(f"{year}-06-01T14:00", f"{year}-06-01T16:00", "Europe/Paris", False)],
                title_fr="Atelier robotique",
            ),
            "slots-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    event.refresh_from_db()
    old_slot = event.time_slots.get()
    assert old_slot.start == in_days(10, 9)  # unchanged until approved
    revision = Revision.objects.get(status=RevisionStatus.PENDING)
    assert "time_slots" in revision.changed_fields
    assert "Modifications en attente de relecture" in text(client.get(list_url(org)))
    moderation.revision_approve(revision=revision, by=UserFactory(moderator=True))
    slot = event.time_slots.get()
    assert (slot.local_start.year, slot.local_start.month, slot.local_start.hour) == (year, 6, 14)
    event.refresh_from_db()
    assert event.starts_at == slot.start


def test_saving_unchanged_says_so(trusted):
    event = EventFactory(organisers=[trusted])
    client = client_for(member_of(trusted))
    form = client.get(edit_url(trusted, event)).context["form"]
    formset = client.get(edit_url(trusted, event)).context["formset"]
    values = {k: v for k, v in form.initial.items() if v not in (None, "", [])}
    values = {**data(), **values}
    slot = formset.initial[0]
    values.update(
        {
            "slots-0-start": slot["start"].strftime("%Y-%m-%dT%H:%M"),
            "slots-0-end": slot["end"].strftime("%Y-%m-%dT%H:%M"),
            "slots-0-time_zone": slot["time_zone"],
            "for_professionals": "on",
            "is_free": "unknown",
            "summary_fr": "",
            "description_fr": "",
            "venue_name": "",
        }
    )
    response = client.post(edit_url(trusted, event), values)
    assert response.status_code == 302
    assert Revision.objects.filter(status=RevisionStatus.PENDING).count() == 0


def test_a_published_event_is_cancelled_never_deleted(trusted):
    event = EventFactory(organisers=[trusted])
    client = client_for(member_of(trusted))
    assert "annulé" in text(client.get(cancel_url(trusted, event)))
    response = client.post(cancel_url(trusted, event), {"note": "Report à l'automne"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.event_status == EventStatus.CANCELLED and event.status_note_fr == "Report à l'automne"
    assert Event.objects.filter(pk=event.pk).exists()
    client.post(cancel_url(trusted, event))
    assert Event.objects.get(pk=event.pk).event_status == EventStatus.CANCELLED


def test_an_untrusted_cancellation_waits_for_review(org):
    event = EventFactory(organisers=[org])
    client_for(member_of(org)).post(cancel_url(org, event))
    event.refresh_from_db()
    assert event.event_status == EventStatus.SCHEDULED
    assert Revision.objects.get(status=RevisionStatus.PENDING).data["event_status"] == EventStatus.CANCELLED


def test_the_cancel_reason_is_bounded(trusted):
    event = EventFactory(organisers=[trusted])
    response = client_for(member_of(trusted)).post(cancel_url(trusted, event), {"note": "x" * 301})
    assert response.status_code == 400
    assert Event.objects.get(pk=event.pk).event_status == EventStatus.SCHEDULED


def test_the_list_costs_the_same_queries_for_3_or_30_events(org, django_assert_max_num_queries):
    member = member_of(org)
    client = client_for(member)
    for _n in range(3):
        EventFactory(organisers=[org])
    client.get(list_url(org))  # warm the caches (site, session)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(list_url(org)).status_code == 200
    for _n in range(27):
        EventFactory(organisers=[org])
    with CaptureQueriesContext(connection) as many:
        page = client.get(list_url(org))
    assert page.status_code == 200 and "Page 1 sur 2" in text(page)
    assert len(many) == len(few)


def test_the_form_holds_every_slot_an_import_may_give():
    from helice.agenda import forms_partner, ical_in

    assert forms_partner.MAX_SLOTS > ical_in.MAX_OCCURRENCES
