"""Moderation pages: queue, review, history, compare, restore; moderators only."""

import pytest
from django.urls import reverse

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.testing.hostile import assert_inert
from helice.directory.models import Organization
from helice.directory.tests.factories import OrganizationFactory
from helice.moderation import services
from helice.moderation.models import Revision, RevisionStatus
from helice.moderation.registry import adapter_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory(name="Fablab du Drac", description_fr="Un atelier ouvert à tous.")


@pytest.fixture
def editor(org):
    return MembershipFactory(organization=org).user


@pytest.fixture
def moderator():
    return UserFactory(moderator=True, verified=True)


def propose(org, editor, **changes):
    return services.revision_submit(obj=org, data={**adapter_for(org).serialize(org), **changes}, author=editor)


def publish_now(org, author, **changes):
    """A change published at once: the organisation is trusted."""
    Organization.objects.filter(pk=org.pk).update(is_trusted=True)
    org.is_trusted = True
    return services.revision_submit(obj=org, data={**adapter_for(org).serialize(org), **changes}, author=author)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("member", 403), ("outsider", 403), ("moderator", 200), ("administrator", 200)],
)
def test_queue_access(client, org, editor, role, expected):
    propose(org, editor, name="Fablab du Drac et du Vercors")
    users = {
        "member": editor,
        "outsider": UserFactory(),
        "moderator": UserFactory(moderator=True),
        "administrator": UserFactory(administrator=True),
    }
    if role in users:
        client.force_login(users[role])
    assert client.get(reverse("moderation:queue")).status_code == expected


def test_queue_lists_waiting_changes_oldest_first(client, moderator, editor, org):
    other = OrganizationFactory(name="Autre structure")
    propose(org, editor, name="Premier")
    propose(other, MembershipFactory(organization=other).user, name="Second")
    client.force_login(moderator)
    html = client.get(reverse("moderation:queue")).content.decode()
    assert html.index("Fablab du Drac") < html.index("Autre structure")
    assert "2 modifications attendent" in html


def test_queue_bad_page_is_a_4xx(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("moderation:queue"), {"page": "abc"}).status_code == 400
    assert client.get(reverse("moderation:queue"), {"page": "99"}).status_code == 404


def test_review_shows_the_differences_and_publishes(client, moderator, editor, org):
    revision = propose(org, editor, description_fr="Un atelier ouvert à tous, avec découpe laser.")
    client.force_login(moderator)
    html = client.get(reverse("moderation:review", args=[revision.pk])).content.decode()
    assert "<ins>" in html and "découpe laser" in html
    response = client.post(reverse("moderation:review", args=[revision.pk]), {"action": "approve"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert "découpe laser" in org.description_fr


def test_refusal_without_reason_is_a_400(client, moderator, editor, org):
    revision = propose(org, editor, name="Sans raison")
    client.force_login(moderator)
    response = client.post(reverse("moderation:review", args=[revision.pk]), {"action": "reject", "reason": ""})
    assert response.status_code == 400
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.PENDING


def test_deciding_twice_is_a_409(client, moderator, editor, org):
    revision = propose(org, editor, name="Deux fois")
    client.force_login(moderator)
    client.post(reverse("moderation:review", args=[revision.pk]), {"action": "approve"})
    response = client.post(
        reverse("moderation:review", args=[revision.pk]), {"action": "reject", "reason": "Trop tard"}
    )
    assert response.status_code == 409
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.PUBLISHED


def test_member_cannot_approve_its_own_change(client, editor, org):
    revision = propose(org, editor, name="Auto-validé")
    client.force_login(editor)
    assert client.post(reverse("moderation:review", args=[revision.pk]), {"action": "approve"}).status_code == 403
    org.refresh_from_db()
    assert org.name == "Fablab du Drac"


def test_history_compare_and_restore(client, moderator, editor, org):
    first = publish_now(org, editor, name="Version un")
    second = publish_now(org, editor, name="Version deux")
    client.force_login(moderator)
    url = reverse("moderation:history", args=[first.content_type_id, org.pk])
    html = client.get(url, {"before": first.pk, "after": second.pk}).content.decode()
    assert "Version un" in html and "Version deux" in html
    # The version online is not offered for restoration; the earlier one is.
    assert reverse("moderation:restore", args=[second.pk]) not in html
    assert reverse("moderation:restore", args=[first.pk]) in html
    assert client.get(url, {"before": "x", "after": second.pk}).status_code == 400
    response = client.post(reverse("moderation:restore", args=[first.pk]))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "Version un"
    assert Revision.objects.for_object(org).count() == 3


def test_history_and_restore_are_for_moderators_only(client, editor, org):
    revision = publish_now(org, editor, name="Publié")
    client.force_login(editor)
    assert client.get(reverse("moderation:history", args=[revision.content_type_id, org.pk])).status_code == 403
    assert client.post(reverse("moderation:restore", args=[revision.pk])).status_code == 403


def test_hostile_proposal_is_inert_in_the_review_page(client, moderator, editor, org):
    from helice.core.testing.hostile import HOSTILE_INPUTS

    client.force_login(moderator)
    for _name, value in HOSTILE_INPUTS:
        if "\x00" in value:
            continue
        revision = propose(org, editor, name=value[:200], description_fr=value)
        assert_inert(client.get(reverse("moderation:review", args=[revision.pk])).content)
        assert_inert(client.get(reverse("moderation:queue")).content)


def test_queue_queries_do_not_grow_with_the_rows(client, moderator, django_assert_num_queries):
    for n in range(10):
        org = OrganizationFactory(name=f"Structure {n}")
        propose(org, MembershipFactory(organization=org).user, name=f"Structure renommée {n}")
    client.force_login(moderator)
    client.get(reverse("moderation:queue"))  # warm the content-type cache
    with django_assert_num_queries(QUEUE_QUERIES):
        assert client.get(reverse("moderation:queue")).status_code == 200


# session, user, role groups, count, page of revisions (with authors and organisations)
QUEUE_QUERIES = 5
