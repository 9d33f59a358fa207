"""Participation in "my space": what the person follows and how they hear of it;
for moderators, the queue's counts."""

from django.utils.translation import gettext_lazy as _

from helice.core import sections
from helice.core.roles import is_moderator


def _my_space_panel(person, user=None):
    from django.contrib.auth import get_user_model
    from django.db.models import Count, OuterRef, Subquery

    from . import selectors_comments
    from .models import NotificationFrequency, ParticipationSettings

    # One query: what the person follows and how often they hear of it.
    row = (
        get_user_model()
        .objects.filter(pk=person.pk)
        .annotate(
            follow_count=Count("participation_follows"),
            frequency=Subquery(ParticipationSettings.objects.filter(user=OuterRef("pk")).values("frequency")[:1]),
        )
        .values("follow_count", "frequency")
        .first()
        or {}
    )
    frequency = row.get("frequency") or NotificationFrequency.IMMEDIATE
    return sections.Section(
        title=_("Participation"),
        template="participation/_my_space_panel.html",
        items={
            "follows": row.get("follow_count", 0),
            "frequency": NotificationFrequency(frequency).label,
            "counts": selectors_comments.queue_counts() if is_moderator(person) else None,
        },
        order=30,
    )


def register() -> None:
    sections.register("my-space", _my_space_panel)
