"""Reads of comments and of the moderation queue.

A proposal's thread is paginated by its top-level comments (oldest first); the
replies of the page's comments come with them, at any depth, read in one query
and arranged in Python, so a page costs the same few queries whatever its size."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q

from helice.core.pagination import get_page

from .models import (
    Comment,
    CommentFlag,
    ConsultationStatus,
    ModerationDecision,
    ParticipationBlock,
    Proposal,
    ProposalState,
)


@dataclass
class Node:
    comment: Comment
    depth: int = 0
    replies: list[Node] = field(default_factory=list)

    def walk(self):
        yield self
        for reply in self.replies:
            yield from reply.walk()


def public_proposal(consultation_slug: str, slug: str) -> Proposal | None:
    return (
        Proposal.objects.public()
        .filter(
            consultation__slug=consultation_slug,
            slug=slug,
            consultation__status__in=[ConsultationStatus.PUBLISHED, ConsultationStatus.ARCHIVED],
        )
        .select_related("consultation")
        .first()
    )


def _roots(proposal: Proposal):
    return (
        Comment.objects.filter(proposal=proposal, parent__isnull=True)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def page_of(comment: Comment, *, per_page: int | None = None) -> int:
    """The page of the thread that shows ``comment`` (the page of its top-level comment)."""
    per_page = per_page or settings.PARTICIPATION_COMMENTS_PER_PAGE
    root = comment
    seen = set()
    while root.parent_id is not None and root.pk not in seen:
        seen.add(root.pk)
        root = Comment.objects.only("pk", "parent_id", "created_at").get(pk=root.parent_id)
    before = (
        Comment.objects.filter(proposal_id=comment.proposal_id, parent__isnull=True)
        .filter(Q(created_at__lt=root.created_at) | Q(created_at=root.created_at, pk__lt=root.pk))
        .count()
    )
    return before // per_page + 1


def thread(proposal: Proposal, page_raw: str | None, *, per_page: int | None = None):
    """(page of top-level comments, their nodes with replies): PageError on a bad
    page number. Two queries for the page (count, rows) and one for the replies."""
    per_page = per_page or settings.PARTICIPATION_COMMENTS_PER_PAGE
    page = get_page(_roots(proposal), page_raw, per_page)
    nodes = [Node(comment) for comment in page.object_list]
    if nodes:
        replies = list(
            Comment.objects.filter(proposal=proposal, parent__isnull=False)
            .select_related("author")
            .order_by("created_at", "pk")
        )
        by_parent: dict[int, list[Comment]] = {}
        for reply in replies:
            by_parent.setdefault(reply.parent_id, []).append(reply)

        def attach(node: Node):
            for child in by_parent.get(node.comment.pk, []):
                child_node = Node(child, depth=node.depth + 1)
                node.replies.append(child_node)
                attach(child_node)

        for node in nodes:
            attach(node)
    return page, nodes


def flagged_by(user, proposal: Proposal) -> set[int]:
    """Ids of the comments of ``proposal`` that ``user`` has flagged."""
    if not user.is_authenticated:
        return set()
    return set(CommentFlag.objects.filter(user=user, comment__proposal=proposal).values_list("comment_id", flat=True))


def open_flag_counts(proposal: Proposal) -> dict[int, int]:
    return dict(
        CommentFlag.objects.filter(comment__proposal=proposal, resolved_at__isnull=True)
        .values_list("comment_id")
        .annotate(n=Count("pk"))
        .values_list("comment_id", "n")
    )


# --- Moderation queue -------------------------------------------------------------


def ideas_waiting():
    return (
        Proposal.objects.filter(state=ProposalState.SUBMITTED)
        .select_related("consultation", "author", "objective")
        .order_by("created_at", "pk")
    )


def flagged_comments():
    """Comments with open flags, the most flagged first, then the oldest flag."""
    open_flags = Q(flags__resolved_at__isnull=True)
    return (
        Comment.objects.filter(hidden_at__isnull=True)
        .annotate(open_flags=Count("flags", filter=open_flags))
        .filter(open_flags__gt=0)
        .select_related("author", "proposal__consultation")
        .order_by("-open_flags", "created_at", "pk")
    )


def active_blocks():
    from django.utils import timezone

    return (
        ParticipationBlock.objects.filter(lifted_at__isnull=True)
        .filter(Q(until__isnull=True) | Q(until__gt=timezone.now()))
        .select_related("user", "blocked_by")
        .order_by("-created_at", "-pk")
    )


def queue_counts() -> dict[str, int]:
    return {
        "ideas": ideas_waiting().count(),
        "comments": flagged_comments().count(),
        "blocks": active_blocks().count(),
    }


def decisions():
    return ModerationDecision.objects.select_related("by", "user", "proposal__consultation", "comment").order_by(
        "-at", "-pk"
    )


def comment_flags(comment: Comment):
    return CommentFlag.objects.filter(comment=comment).select_related("user", "resolved_by").order_by("created_at")
