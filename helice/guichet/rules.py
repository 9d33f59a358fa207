"""Who may do what with services, asked through has_perm by views, services and
templates alike:

==========================  ==========================================================
``guichet.edit_service``     members of one of the service's providers, moderators
``guichet.add_service``      members of the organisation (object: the organisation),
                             moderators: propose a new service it provides
==========================  ==========================================================

The same rule as for an organisation's profile."""

import rules

from helice.accounts.rules import is_member, organization_roles
from helice.core.roles import is_moderator


@rules.predicate
def is_provider_member(user, service):
    if service is None:
        return False
    roles = organization_roles(user)
    return any(provider.pk in roles for provider in service.providers.all())


rules.add_perm("guichet.edit_service", is_provider_member | is_moderator)
rules.add_perm("guichet.add_service", is_member | is_moderator)
