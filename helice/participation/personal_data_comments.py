"""The comments part's sections of a person's data (helice.core.personal_data):
their comments, the flags they sent, what they follow with their notification
choice and the news kept for them, and the blocks that concern them.

On deletion, public comments stay, shown as from a "Deleted account" (a thread
keeps its replies); the text of their comments hidden by moderation, kept for the
moderators, is erased; flags, follows, the notification choice and the news are
deleted. Blocks stay (the moderators' history)."""

from django.utils.translation import gettext_lazy as _

from helice.core import personal_data

from .models import (
    Comment,
    CommentFlag,
    Follow,
    ModerationAction,
    ModerationDecision,
    Notification,
    ParticipationBlock,
    ParticipationSettings,
)


def _iso(value):
    return value.isoformat() if value else None


def export_comments(user) -> list[dict]:
    rows = Comment.objects.filter(author=user).select_related("proposal__consultation").order_by("id")
    removed = dict(
        ModerationDecision.objects.filter(comment__author=user, action=ModerationAction.HIDE_COMMENT).values_list(
            "comment_id", "removed_text"
        )
    )
    return [
        {
            "consultation": comment.proposal.consultation.title_fr,
            "proposal": comment.proposal.title_fr,
            "in_reply_to": comment.parent_id,
            "id": comment.pk,
            "text": comment.body if not comment.is_hidden else removed.get(comment.pk, ""),
            "stance": comment.stance,
            "official_answer": comment.is_official,
            "written_at": _iso(comment.created_at),
            "edited_at": _iso(comment.edited_at),
            "hidden_at": _iso(comment.hidden_at),
            "reason_for_hiding": comment.hidden_reason,
        }
        for comment in rows
    ]


def erase_comments(user) -> None:
    ModerationDecision.objects.filter(comment__author=user).update(removed_text="")


def export_flags(user) -> list[dict]:
    rows = CommentFlag.objects.filter(user=user).order_by("id")
    return [
        {
            "comment": flag.comment_id,
            "reason": flag.reason,
            "details": flag.details,
            "flagged_at": _iso(flag.created_at),
            "resolution": flag.resolution,
        }
        for flag in rows
    ]


def erase_flags(user) -> None:
    CommentFlag.objects.filter(user=user).delete()


def export_follows(user) -> dict:
    settings = ParticipationSettings.objects.filter(user=user).first()
    follows = Follow.objects.filter(user=user).select_related("proposal", "consultation").order_by("id")
    return {
        "emails": settings.frequency if settings else None,
        "emails_language": settings.language if settings else None,
        "last_digest_at": _iso(settings.digest_sent_at) if settings else None,
        "follows": [
            {
                "proposal": follow.proposal.title_fr if follow.proposal_id else None,
                "consultation": follow.consultation.title_fr if follow.consultation_id else None,
                "since": _iso(follow.created_at),
            }
            for follow in follows
        ],
        "news": [
            {"kind": kind, "proposal": proposal, "at": _iso(at), "sent_at": _iso(sent)}
            for kind, proposal, at, sent in Notification.objects.filter(user=user)
            .order_by("id")
            .values_list("kind", "proposal__title_fr", "created_at", "sent_at")
        ],
        "blocks": [
            {"reason": reason, "blocked_at": _iso(at), "until": _iso(until), "lifted_at": _iso(lifted)}
            for reason, at, until, lifted in ParticipationBlock.objects.filter(user=user)
            .order_by("id")
            .values_list("reason", "created_at", "until", "lifted_at")
        ],
    }


def erase_follows(user) -> None:
    Notification.objects.filter(user=user).delete()
    Follow.objects.filter(user=user).delete()
    ParticipationSettings.objects.filter(user=user).delete()


def register() -> None:
    personal_data.register(
        "participation.comments",
        export_comments,
        erase_comments,
        description=_("Your comments on the consultations' proposals."),
    )
    personal_data.register(
        "participation.flags",
        export_flags,
        erase_flags,
        description=_("The comments you flagged to the moderators."),
    )
    personal_data.register(
        "participation.follows",
        export_follows,
        erase_follows,
        description=_("What you follow in the consultations, your e-mail choice and the news kept for you."),
    )
