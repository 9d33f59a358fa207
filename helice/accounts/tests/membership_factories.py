"""Factories for memberships, join requests and invitations (with the users of
``factories.UserFactory`` and the organisations of the directory's factories)."""

import secrets
from datetime import timedelta

import factory
from django.utils import timezone

from helice.accounts.models import Invitation, JoinRequest, Membership, MembershipRole, hash_token
from helice.accounts.tests.factories import UserFactory
from helice.directory.tests.factories import OrganizationFactory


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, verified=True)
    organization = factory.SubFactory(OrganizationFactory)
    role = MembershipRole.EDITOR

    class Params:
        admin = factory.Trait(role=MembershipRole.ADMIN)


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinRequest

    user = factory.SubFactory(UserFactory, verified=True)
    organization = factory.SubFactory(OrganizationFactory)
    message = "Je travaille ici."


class InvitationFactory(factory.django.DjangoModelFactory):
    """``InvitationFactory(token="...")`` sets the raw token; only its hash is stored
    (``make_invitation()`` returns both)."""

    class Meta:
        model = Invitation
        exclude = ("token",)

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = MembershipRole.EDITOR
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))

    class Params:
        expired = factory.Trait(expires_at=factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1)))


def make_invitation(**kwargs) -> tuple[Invitation, str]:
    """An invitation and its raw token."""
    token = secrets.token_urlsafe(32)
    return InvitationFactory(token=token, **kwargs), token
