"""Who may do what with the agenda's events and feeds, asked through has_perm by
views, services and templates alike:

===========================  ==========================================================
``agenda.edit_event``         members of one of the event's organisers, moderators
                              (administrators hold every role)
``agenda.add_event``          members of the organisation (object: the organisation),
                              moderators: propose a new event it organises
``agenda.manage_feeds``       members of the organisation (object: the organisation),
                              moderators: register, pause, delete its calendar feeds
``agenda.edit_feed``          members of the feed's organisation, moderators
===========================  ==========================================================

The same rule as for an organisation's profile and the guichet's services."""

import rules

from helice.accounts.rules import is_member, organization_roles
from helice.core.roles import is_moderator


@rules.predicate
def is_organiser_member(user, event):
    if event is None:
        return False
    roles = organization_roles(user)
    return bool(roles) and any(organisation.pk in roles for organisation in event.organisers.all())


@rules.predicate
def is_feed_member(user, feed):
    return feed is not None and feed.organization_id in organization_roles(user)


rules.add_perm("agenda.edit_event", is_organiser_member | is_moderator)
rules.add_perm("agenda.add_event", is_member | is_moderator)
rules.add_perm("agenda.manage_feeds", is_member | is_moderator)
rules.add_perm("agenda.edit_feed", is_feed_member | is_moderator)
