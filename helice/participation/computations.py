"""What the participation part lets the strategy compute (registered with
``strategy.computations.register`` in ``apps.py``): an indicator whose
``computation`` is ``consultation_participants`` (or
``consultation_participants:<participant category>``) counts the distinct people
who took part in the period."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _range(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    return (
        timezone.make_aware(datetime.datetime.combine(start, datetime.time.min)),
        timezone.make_aware(datetime.datetime.combine(end, datetime.time.max)),
    )


def consultation_participants(start: datetime.date, end: datetime.date, category: str = "") -> Decimal:
    """Distinct accounts that gave an opinion, wrote a comment or submitted an idea
    in the period (an opinion counts on the day it was last given or changed), of
    one participant category when given (the category the person had then for
    opinions, their current one for comments and ideas)."""
    from .models import Comment, Opinion, Origin, Proposal

    moments = _range(start, end)
    opinions = Opinion.objects.filter(updated_at__range=moments)
    comments = Comment.objects.filter(created_at__range=moments, author__isnull=False)
    ideas = Proposal.objects.filter(origin=Origin.IDEA, created_at__range=moments, author__isnull=False)
    if category:
        opinions = opinions.filter(participant_category=category)
        comments = comments.filter(author__participant_category=category)
        ideas = ideas.filter(author__participant_category=category)
    people = set(opinions.values_list("user_id", flat=True))
    people.update(comments.values_list("author_id", flat=True))
    people.update(ideas.values_list("author_id", flat=True))
    return Decimal(len(people))


def register() -> None:
    from helice.strategy import computations

    computations.register(
        computations.Computation(
            "consultation_participants",
            _("People who took part in consultations"),
            consultation_participants,
            _("participant category"),
        )
    )
