"""Who may do what in participation, asked through ``has_perm`` by views, services,
API and templates alike (tested as a matrix in tests/test_rules.py).

==================================  ==========================================================
``participation.take_part``         object: a consultation. A signed-in, active account with a
                                    verified e-mail address, not blocked from participation,
                                    of a category the consultation admits (none listed: every
                                    category), while the consultation is published and open
``participation.give_opinion``      object: a proposal. ``take_part`` in its consultation, and
                                    the proposal is open for opinions (published or under
                                    evaluation)
``participation.suggest_idea``      object: a consultation. ``take_part``, and it takes ideas
``participation.moderate``          moderators: publish or hide ideas, hide comments, block
``participation.decide``            strategy managers: put a proposal under evaluation, accept
                                    it (it becomes a plan action), reject it, answer it
``participation.comment``           object: a proposal. ``take_part`` in its consultation, and
                                    the proposal is public
``participation.answer_officially`` object: a public proposal. Moderators and strategy
                                    managers (any phase), with an account that may take part
``participation.edit_comment``      object: a comment. Its author, within
                                    ``PARTICIPATION_COMMENT_EDIT_MINUTES``, while it is visible
``participation.flag_comment``      object: a comment. Any account that may take part (not
                                    blocked), not its author, while it is visible
==================================  ==========================================================

An administrator holds every role. :func:`refusal` says, in words, why someone may
not take part (the pages show it instead of a form)."""

from __future__ import annotations

import rules
from django.db import connection
from django.utils.translation import gettext as _

from helice.core.roles import is_moderator, is_strategy_manager

from .models import ConsultationStatus, ParticipantCategory, ParticipationBlock, Phase, ProposalState

OPINION_STATES = frozenset({ProposalState.PUBLISHED, ProposalState.EVALUATING})

# Why an account may not take part anywhere (cached on the user object for the request).
ANONYMOUS, INACTIVE, UNVERIFIED, BLOCKED = "anonymous", "inactive", "unverified", "blocked"


# The two facts the account rules need: a verified address? an active block? (The
# user's id goes where %(user)s is, twice; a parameter for ``True`` after the first.)
_ACCOUNT_COLUMNS = (
    "EXISTS (SELECT 1 FROM {email} WHERE user_id = %(user)s AND verified = %%s),"
    " EXISTS (SELECT 1 FROM {block} WHERE user_id = %(user)s AND lifted_at IS NULL)"
)


def account_status(user) -> tuple[str | None, ParticipationBlock | None]:
    """(reason the account may not take part or None, the active block if any).
    One query per user object (a second one only to read an active block), then
    cached on it: every opinion written asks it."""
    if not getattr(user, "is_authenticated", False):
        return ANONYMOUS, None
    cached = getattr(user, "_helice_participation", None)
    if cached is not None:
        return cached
    if not user.is_active or getattr(user, "deleted_at", None):
        user._helice_participation = (INACTIVE, None)
        return user._helice_participation
    # Written once rather than built by the ORM on every opinion (the write's hot
    # path, docs/benchmarks.md).
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + account_flags_columns() % {"user": "%s"}, [user.pk, True, user.pk])
        verified, blocked = (bool(v) for v in cursor.fetchone())
    return remember_account_flags(user, verified=verified, blocked=blocked)


def account_flags_columns() -> str:
    """The two facts ``account_status`` needs as two SQL columns, with ``%(user)s``
    where the user's id goes (twice) and a parameter for ``True`` after the first:
    for a caller that reads them in its own statement
    (``selectors.proposal_for_opinion_at``), then ``remember_account_flags``."""
    from allauth.account.models import EmailAddress

    return _ACCOUNT_COLUMNS.format(email=EmailAddress._meta.db_table, block=ParticipationBlock._meta.db_table)


def remember_account_flags(user, *, verified: bool, blocked: bool) -> tuple[str | None, ParticipationBlock | None]:
    """Keep on the user object for the request what its account allows, from the
    two facts of ``account_flags_sql`` (an active block is then read for its reason)."""
    if not user.is_active or getattr(user, "deleted_at", None):
        result: tuple[str | None, ParticipationBlock | None] = (INACTIVE, None)
    elif not verified:
        result = (UNVERIFIED, None)
    elif blocked:
        block = ParticipationBlock.objects.filter(user=user, lifted_at__isnull=True).first()
        result = (BLOCKED, block) if block is not None and block.is_active() else (None, None)
    else:
        result = (None, None)
    user._helice_participation = result
    return result


def forget_account_status(user) -> None:
    """After blocking or verifying someone within a request."""
    if hasattr(user, "_helice_participation"):
        del user._helice_participation


def _category_allowed(user, consultation) -> bool:
    categories = consultation.eligible_categories or []
    return not categories or user.participant_category in categories


def refusal(user, consultation, proposal=None) -> str | None:
    """Why ``user`` may not take part in ``consultation`` (or give an opinion on
    ``proposal``), in words; None when they may."""
    if consultation.status != ConsultationStatus.PUBLISHED:
        return _("This consultation is closed.")
    phase = consultation.phase
    if phase == Phase.ANNOUNCED:
        if consultation.opens_on:
            return _("Contributions open on %(date)s.") % {"date": _date(consultation.opens_on)}
        return _("Contributions are not open yet.")
    if phase != Phase.OPEN:
        return _("Contributions are closed.")
    if proposal is not None and proposal.state not in OPINION_STATES:
        return _("This proposal no longer takes opinions.")
    reason, block = account_status(user)
    if reason == ANONYMOUS:
        return _("Sign in to take part.")
    if reason == INACTIVE:
        return _("This account cannot take part.")
    if reason == UNVERIFIED:
        return _("Confirm your e-mail address to take part.")
    if reason == BLOCKED:
        return _("Your account may not take part in consultations: %(reason)s") % {"reason": block.reason}
    if not _category_allowed(user, consultation):
        names = ", ".join(str(ParticipantCategory(c).label).lower() for c in consultation.eligible_categories)
        if not user.participant_category:
            return _(
                "This consultation is open to these participants: %(names)s. Tell us which you are in your profile."
            ) % {"names": names}
        return _("This consultation is open to these participants: %(names)s.") % {"names": names}
    return None


def _date(day) -> str:
    from django.utils.formats import date_format

    return date_format(day, "DATE_FORMAT")


@rules.predicate
def may_take_part(user, consultation):
    return consultation is not None and refusal(user, consultation) is None


@rules.predicate
def may_give_opinion(user, proposal):
    return proposal is not None and refusal(user, proposal.consultation, proposal) is None


@rules.predicate
def consultation_takes_ideas(user, consultation):
    return consultation is not None and consultation.ideas_allowed


rules.add_perm("participation.take_part", may_take_part)
rules.add_perm("participation.give_opinion", may_give_opinion)
rules.add_perm("participation.suggest_idea", may_take_part & consultation_takes_ideas)
rules.add_perm("participation.moderate", is_moderator)
rules.add_perm("participation.decide", is_strategy_manager)


def is_blocked(user) -> bool:
    return account_status(user)[0] == BLOCKED


# --- Comments and flags ------------------------------------------------------------------


def _account_ok(user) -> bool:
    """Signed in, active, verified, not blocked (the account part of ``refusal``)."""
    return account_status(user)[0] is None


def edit_deadline(comment):
    import datetime

    from django.conf import settings

    return comment.created_at + datetime.timedelta(minutes=settings.PARTICIPATION_COMMENT_EDIT_MINUTES)


@rules.predicate
def may_comment(user, proposal):
    return proposal is not None and proposal.is_public and refusal(user, proposal.consultation) is None


@rules.predicate
def may_answer_officially(user, proposal):
    return (
        proposal is not None
        and proposal.is_public
        and proposal.consultation.status != ConsultationStatus.DRAFT
        and (is_moderator(user) or is_strategy_manager(user))
        and _account_ok(user)
    )


@rules.predicate
def may_edit_comment(user, comment):
    from django.utils import timezone

    return (
        comment is not None
        and comment.author_id is not None
        and comment.author_id == getattr(user, "pk", None)
        and not comment.is_hidden
        and timezone.now() <= edit_deadline(comment)
        and _account_ok(user)
    )


@rules.predicate
def may_flag_comment(user, comment):
    return (
        comment is not None
        and comment.author_id != getattr(user, "pk", None)
        and not comment.is_hidden
        and _account_ok(user)
    )


rules.add_perm("participation.comment", may_comment)
rules.add_perm("participation.answer_officially", may_answer_officially)
rules.add_perm("participation.edit_comment", may_edit_comment)
rules.add_perm("participation.flag_comment", may_flag_comment)
