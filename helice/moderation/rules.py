"""Who reviews partner content and reads its history: the moderators (and the
administrators, who hold every role)."""

import rules

from helice.core.roles import is_moderator

rules.add_perm("moderation.review", is_moderator)
rules.add_perm("moderation.view_history", is_moderator)
rules.add_perm("moderation.revert", is_moderator)
