"""Revisions: the state machine, submission (held or published), approval with
merge, refusal, withdrawal, restoration and the recording of direct changes."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.directory.models import Organization
from helice.directory.tests.factories import OrganizationFactory, SectorFactory
from helice.moderation import services
from helice.moderation.models import TRANSITIONS, Revision, RevisionKind, RevisionStatus
from helice.moderation.registry import adapter_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory(name="Pépinière des Cimes", description_fr="Accompagne les jeunes pousses.")


@pytest.fixture
def editor(org):
    return MembershipFactory(organization=org).user


@pytest.fixture
def moderator():
    return UserFactory(moderator=True, verified=True)


def propose(org, editor, **changes):
    data = {**adapter_for(org).serialize(org), **changes}
    return services.revision_submit(obj=org, data=data, author=editor)


def publish_now(org, author, **changes):
    """A change published at once: the organisation is trusted."""
    Organization.objects.filter(pk=org.pk).update(is_trusted=True)
    org.is_trusted = True
    return services.revision_submit(obj=org, data={**adapter_for(org).serialize(org), **changes}, author=author)


def test_transitions_are_final_except_pending():
    assert TRANSITIONS[RevisionStatus.PENDING] == {
        RevisionStatus.PUBLISHED,
        RevisionStatus.REJECTED,
        RevisionStatus.WITHDRAWN,
        RevisionStatus.SUPERSEDED,
    }
    for status in (RevisionStatus.PUBLISHED, RevisionStatus.REJECTED, RevisionStatus.WITHDRAWN):
        assert TRANSITIONS[status] == set()


def test_held_change_leaves_the_public_record_untouched(org, editor, django_capture_on_commit_callbacks, moderator):
    with django_capture_on_commit_callbacks(execute=True):
        revision = propose(org, editor, name="Pépinière des Sommets")
    org.refresh_from_db()
    assert org.name == "Pépinière des Cimes"
    assert revision.status == RevisionStatus.PENDING
    assert revision.changed_fields == ["name"]
    assert revision.organization == org
    # Moderators are told there is something to review.
    assert [m.to for m in mail.outbox] == [[moderator.email]]
    assert "Pépinière des Cimes" in mail.outbox[0].subject


def test_published_at_once_when_asked(org, editor):
    sector = SectorFactory(slug="numerique", name_fr="Numérique")
    data = {**adapter_for(org).serialize(org), "sectors": ["numerique"], "description_fr": "Nouveau texte."}
    Organization.objects.filter(pk=org.pk).update(is_trusted=True)
    org.is_trusted = True
    revision = services.revision_submit(obj=org, data=data, author=editor)
    org.refresh_from_db()
    assert revision.status == RevisionStatus.PUBLISHED
    assert list(org.sectors.all()) == [sector]
    assert org.description_fr == "Nouveau texte."
    assert "nouveau" in org.search_document  # reindexed after the change


def test_nothing_changed_is_refused(org, editor):
    with pytest.raises(services.RevisionError):
        services.revision_submit(obj=org, data=adapter_for(org).serialize(org), author=editor)
    assert not Revision.objects.exists()


def test_a_new_proposal_supersedes_the_waiting_one(org, editor):
    first = propose(org, editor, name="Un")
    second = propose(org, editor, name="Deux")
    first.refresh_from_db()
    assert first.status == RevisionStatus.SUPERSEDED
    assert second.status == RevisionStatus.PENDING
    assert Revision.objects.pending().count() == 1


def test_going_back_to_the_published_state_withdraws_the_proposal(org, editor):
    first = propose(org, editor, name="Un")
    back = services.revision_submit(obj=org, data=adapter_for(org).serialize(org), author=editor)
    first.refresh_from_db()
    assert first.status == RevisionStatus.SUPERSEDED
    assert back.status == RevisionStatus.WITHDRAWN
    assert not Revision.objects.pending().exists()


def test_approve_publishes_and_tells_the_author(org, editor, moderator, django_capture_on_commit_callbacks):
    revision = propose(org, editor, name="Pépinière des Sommets")
    with django_capture_on_commit_callbacks(execute=True):
        services.revision_approve(revision=revision, by=moderator)
    org.refresh_from_db()
    revision.refresh_from_db()
    assert org.name == "Pépinière des Sommets"
    assert revision.status == RevisionStatus.PUBLISHED
    assert revision.reviewed_by == moderator
    assert mail.outbox[-1].to == [editor.email]


def test_approve_keeps_newer_values_of_fields_the_proposal_did_not_touch(org, editor, moderator):
    revision = propose(org, editor, name="Nom proposé")
    # Meanwhile the team changes the description directly.
    Organization.objects.filter(pk=org.pk).update(description_fr="Texte corrigé par l'équipe.")
    services.revision_approve(revision=revision, by=moderator)
    org.refresh_from_db()
    assert org.name == "Nom proposé"
    assert org.description_fr == "Texte corrigé par l'équipe."


def test_only_moderators_review(org, editor):
    revision = propose(org, editor, name="X")
    with pytest.raises(PermissionDenied):
        services.revision_approve(revision=revision, by=editor)
    with pytest.raises(PermissionDenied):
        services.revision_reject(revision=revision, by=editor, reason="non")
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.PENDING


def test_reject_needs_a_reason_and_tells_the_author(org, editor, moderator, django_capture_on_commit_callbacks):
    revision = propose(org, editor, name="X")
    with pytest.raises(services.RevisionError):
        services.revision_reject(revision=revision, by=moderator, reason="   ")
    with django_capture_on_commit_callbacks(execute=True):
        services.revision_reject(revision=revision, by=moderator, reason="Le nom officiel ne change pas.")
    revision.refresh_from_db()
    org.refresh_from_db()
    assert revision.status == RevisionStatus.REJECTED
    assert org.name == "Pépinière des Cimes"
    assert "Le nom officiel ne change pas." in mail.outbox[-1].body


def test_a_decided_revision_cannot_be_decided_again(org, editor, moderator):
    revision = propose(org, editor, name="X")
    services.revision_reject(revision=revision, by=moderator, reason="Non.")
    with pytest.raises(services.RevisionError):
        services.revision_approve(revision=revision, by=moderator)
    org.refresh_from_db()
    assert org.name == "Pépinière des Cimes"


def test_withdraw_by_author_or_member_only(org, editor):
    revision = propose(org, editor, name="X")
    stranger = UserFactory(verified=True)
    with pytest.raises(PermissionDenied):
        services.revision_withdraw(revision=revision, by=stranger)
    colleague = MembershipFactory(organization=org).user
    services.revision_withdraw(revision=revision, by=colleague)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.WITHDRAWN


def test_restore_an_earlier_version(org, editor, moderator):
    first = publish_now(org, editor, name="Version A")
    publish_now(org, editor, name="Version B")
    with pytest.raises(PermissionDenied):
        services.revision_restore(revision=first, by=editor)
    restored = services.revision_restore(revision=first, by=moderator)
    org.refresh_from_db()
    assert org.name == "Version A"
    assert restored.kind == RevisionKind.REVERT
    assert restored.restored_from == first
    assert restored.status == RevisionStatus.PUBLISHED
    assert Revision.objects.for_object(org).published().count() == 3  # history is never rewritten


def test_mail_server_down_does_not_lose_the_proposal(
    org, editor, moderator, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "helice.moderation.tests.failing_mail.Backend"
    with django_capture_on_commit_callbacks(execute=True):
        revision = propose(org, editor, name="Toujours là")
    assert Revision.objects.filter(pk=revision.pk, status=RevisionStatus.PENDING).exists()


def test_direct_changes_are_recorded_with_their_author(org, moderator, django_capture_on_commit_callbacks):
    from helice.moderation import context

    token = context._current_user.set(moderator)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            org.name = "Changé dans l'admin"
            org.save()
    finally:
        context._current_user.reset(token)
    revision = Revision.objects.for_object(org).get()
    assert revision.kind == RevisionKind.DIRECT
    assert revision.author == moderator
    assert revision.data["name"] == "Changé dans l'admin"
    # Saving again without a change records nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        org.save()
    assert Revision.objects.for_object(org).count() == 1


def test_a_change_through_a_revision_is_not_recorded_twice(org, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publish_now(org, editor, name="Par révision")
    assert Revision.objects.for_object(org).count() == 1


def test_only_who_may_edit_can_submit(org, editor):
    stranger = UserFactory(verified=True)
    with pytest.raises(PermissionDenied):
        propose(org, stranger, name="Pris d'assaut")
    assert not Revision.objects.exists()


def test_who_publishes_at_once(org, editor, moderator):
    assert not services.publishes_at_once(org, editor)
    assert services.publishes_at_once(org, moderator)
    org.is_trusted = True
    assert services.publishes_at_once(org, editor)
    moderator_change = propose(Organization.objects.get(pk=org.pk), moderator, name="Par l'équipe")
    assert moderator_change.status == RevisionStatus.PUBLISHED
    assert moderator_change.kind == RevisionKind.STAFF


def test_approve_and_submit_lock_the_object_first(org, editor, moderator):
    """Lock order: the object's row, then the revision's (as revision_submit does),
    so approving while a partner saves cannot deadlock on PostgreSQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    revision = propose(org, editor, name="Verrou")
    with CaptureQueriesContext(connection) as queries:
        services.revision_approve(revision=revision, by=moderator)
    if connection.features.has_select_for_update:
        locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
        assert "directory_organization" in locks[0]
        assert "moderation_revision" in locks[1]


def test_personal_data_section(org, editor, moderator):
    from helice.core import personal_data

    revision = services.revision_submit(
        obj=org,
        data={**adapter_for(org).serialize(org), "name": "Avec note"},
        author=editor,
        comment="Mon téléphone : 06…",
    )
    services.revision_reject(revision=revision, by=moderator, reason="Non.")
    exported = personal_data.export(editor)["moderation.revisions"]
    assert exported["data"][0]["note"] == "Mon téléphone : 06…"
    assert personal_data.export(moderator)["moderation.revisions"]["data"][0]["role"] == "reviewer"
    assert personal_data.export(UserFactory())["moderation.revisions"]["data"] == []
    personal_data.erase(editor)
    revision.refresh_from_db()
    assert revision.comment == "" and revision.author == editor  # history kept, note gone


@pytest.mark.parametrize(
    "factory_path", ["helice.guichet.tests.factories.ServiceFactory", "helice.spaces.tests.factories.SpaceFactory"]
)
def test_direct_changes_to_content_of_later_parts_are_recorded(factory_path, django_capture_on_commit_callbacks):
    """Parts that register with moderation after it is ready (services, spaces,
    events) have their admin or import changes in the history too."""
    import importlib

    module, name = factory_path.rsplit(".", 1)
    obj = getattr(importlib.import_module(module), name)()
    Revision.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        obj.name = "Renommé hors modération"
        obj.save()
    revision = Revision.objects.for_object(obj).get()
    assert revision.kind == RevisionKind.DIRECT
    assert revision.data["name"] == "Renommé hors modération"
