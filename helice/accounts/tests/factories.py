"""Factories for users, with traits.

``UserFactory()`` makes an active user with a usable password (``PASSWORD``) and
an email address. Traits:

- ``verified``: the address (always recorded, primary, in allauth's
  ``EmailAddress``) is marked verified (needed to log in: verification is mandatory);
- ``moderator``, ``administrator``, ``strategy_manager``, ``observatory_analyst``:
  the user belongs to that staff role's group (``helice.core.roles``).
"""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from helice.accounts.models import User
from helice.core import roles

PASSWORD = "correct-horse-battery-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    display_name = factory.Sequence(lambda n: f"Participant {n}")
    password = factory.django.Password(PASSWORD)
    is_active = True

    class Params:
        verified = factory.Trait(email_address__verified=True)
        moderator = factory.Trait(staff_roles__names=[roles.MODERATOR])
        administrator = factory.Trait(staff_roles__names=[roles.ADMINISTRATOR])
        strategy_manager = factory.Trait(staff_roles__names=[roles.STRATEGY_MANAGER])
        observatory_analyst = factory.Trait(staff_roles__names=[roles.OBSERVATORY_ANALYST])

    @factory.post_generation
    def email_address(obj, create, extracted, verified=False, **kwargs):
        """Record the address in allauth; ``email_address__verified=True`` (or the
        ``verified`` trait) marks it verified."""
        if create and obj.email:
            EmailAddress.objects.update_or_create(
                user=obj, email=obj.email, defaults={"primary": True, "verified": bool(verified)}
            )

    @factory.post_generation
    def staff_roles(obj, create, extracted, names=(), **kwargs):
        """``staff_roles=[...]`` (or a role trait): names of staff role groups to join."""
        if create:
            for name in [*(extracted or ()), *names]:
                obj.groups.add(Group.objects.get_or_create(name=name)[0])
