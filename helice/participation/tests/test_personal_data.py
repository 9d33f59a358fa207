"""A person's opinions and ideas in their data export; on deletion, opinions stay
counted and anonymous, public ideas stay, unpublished ones go."""

import pytest

from helice.accounts.services.profile import user_delete
from helice.accounts.tests.factories import UserFactory
from helice.core import personal_data
from helice.participation.models import Opinion, Proposal

from .factories import OpinionFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def test_export_and_deletion():
    user = UserFactory(verified=True, participant_category="student")
    opinion = OpinionFactory(user=user, value="mixed")
    public = ProposalFactory(idea=True, author=user, title_fr="Idée publique")
    ProposalFactory(submitted=True, author=user, title_fr="Idée en attente")
    OpinionFactory(value="agree")  # someone else's
    exported = personal_data.export(user)
    opinions = exported["participation.opinions"]["data"]
    assert opinions == [
        {
            "consultation": opinion.proposal.consultation.title_fr,
            "proposal": opinion.proposal.title_fr,
            "opinion": "mixed",
            "participant_category": "student",
            "given_at": opinion.created_at.isoformat(),
            "changed_at": opinion.updated_at.isoformat(),
        }
    ]
    ideas = exported["participation.ideas"]["data"]
    assert [i["title"] for i in ideas] == ["Idée publique", "Idée en attente"]

    user_delete(user=user)
    assert list(Proposal.objects.filter(origin="idea").values_list("title_fr", flat=True)) == ["Idée publique"]
    assert Opinion.objects.filter(user=user).count() == 1
    opinion.proposal.refresh_from_db()
    assert opinion.proposal.mixed_count == 1
    public.refresh_from_db()
    assert public.author.public_name == "Compte supprimé"
