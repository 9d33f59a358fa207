"""Who may edit a service: the members of one of its providers, and moderators
(the same rule as for an organisation's profile, asked through has_perm)."""

import rules

from helice.accounts.rules import organization_roles
from helice.core.roles import is_moderator


@rules.predicate
def is_provider_member(user, service):
    if service is None:
        return False
    roles = organization_roles(user)
    return any(provider.pk in roles for provider in service.providers.all())


rules.add_perm("guichet.edit_service", is_provider_member | is_moderator)
