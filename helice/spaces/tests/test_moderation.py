"""Spaces are partner content moderated like guichet services: an operator's member
proposes a change, a moderator approves it, the search fields follow; a trusted
operator's change is published at once; anyone else may not submit."""

import pytest
from django.core.exceptions import PermissionDenied

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory
from helice.moderation import services as moderation
from helice.moderation.registry import adapter_for
from helice.spaces.models import Space

from .factories import SpaceFactory

pytestmark = pytest.mark.django_db


def test_operator_change_is_held_then_approved_and_reindexed():
    operator = OrganizationFactory()
    space = SpaceFactory(name="Pépinière", operators=[operator])
    member = MembershipFactory(organization=operator).user
    commune = CommuneFactory(name="Meylan", insee_code="38229")
    sector = SectorFactory(slug="sante")
    data = adapter_for(space).serialize(space)
    data.update(name="Pépinière Belledonne", commune="38229", sectors=["sante"], total_surface_m2=800)

    revision = moderation.revision_submit(obj=space, data=data, author=member)
    space.refresh_from_db()
    assert space.name == "Pépinière"  # held for review

    moderation.revision_approve(revision=revision, by=UserFactory(moderator=True))
    space = Space.objects.get(pk=space.pk)
    assert space.name == "Pépinière Belledonne"
    assert space.commune == commune and list(space.sectors.all()) == [sector]
    assert space.total_surface_m2 == 800
    assert "belledonne" in space.search_document


def test_trusted_operator_publishes_at_once_and_strangers_may_not_submit():
    trusted = OrganizationFactory(is_trusted=True)
    space = SpaceFactory(name="Coworking", operators=[trusted])
    member = MembershipFactory(organization=trusted).user
    data = {**adapter_for(space).serialize(space), "name": "Coworking des Alpes"}
    moderation.revision_submit(obj=space, data=data, author=member)
    assert Space.objects.get(pk=space.pk).name == "Coworking des Alpes"

    with pytest.raises(PermissionDenied):
        moderation.revision_submit(obj=space, data=data, author=MembershipFactory().user)
