"""Who may do what with spaces, asked through has_perm by views, services and
templates alike:

=================================  ===================================================
``spaces.edit_space``               members of one of the space's operators, moderators
``spaces.confirm_availability``     members of one of the space's operators, staff
                                    (moderators and every other role of the team)
``spaces.view_space_draft``         members of one of the space's operators, moderators
=================================  ===================================================

The same rule as for an organisation's profile and a guichet service."""

import rules

from helice.accounts.rules import organization_roles
from helice.core.roles import is_moderator, is_team_member


@rules.predicate
def is_operator_member(user, space):
    if space is None:
        return False
    roles = organization_roles(user)
    return any(operator.pk in roles for operator in space.operators.all())


@rules.predicate
def is_staff(user):
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


rules.add_perm("spaces.edit_space", is_operator_member | is_moderator)
rules.add_perm("spaces.view_space_draft", is_operator_member | is_moderator)
rules.add_perm("spaces.confirm_availability", is_operator_member | is_team_member | is_staff)
