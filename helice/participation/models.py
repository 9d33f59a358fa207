"""Online consultations on the innovation policy.

A ``Consultation`` runs through phases (announced → open for contributions →
under analysis → results published) derived from its dates in one place
(:meth:`Consultation.phase_on`). Its ``Proposal`` rows are official (the plan's
workshop proposals) or ideas from participants; their states follow the
machine written once in ``PROPOSAL_TRANSITIONS``. Each participant gives at most
one ``Opinion`` per proposal (a database constraint); the proposal keeps exact
counters of opinions and comments, updated by the services in the same
transaction, so that lists never aggregate the opinions table.

Comments (threaded, with a stance), their flags, follows and the notification
preference (``ParticipationSettings``) and the blocks that keep abusive accounts
out of participation are defined here; their behaviour lives in the services."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from helice.accounts.models import ParticipantCategory
from helice.core import tokens
from helice.core.models import TranslatedNameMixin
from helice.core.sanitize import plain_text
from helice.core.search import build_document
from helice.strategy.models import Action, Axis, Objective

RANDOM_KEY_MAX = 2_147_483_647  # a prime: keys and seeds below it, products fit in 64 bits


def new_random_key() -> int:
    return secrets.randbelow(RANDOM_KEY_MAX - 1) + 1


class Translated(TranslatedNameMixin):
    """``translated("title")`` picks ``title_en`` in English when it is filled."""


# --- Consultations ----------------------------------------------------------------


class Phase(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    OPEN = "open", _("Open for contributions")
    ANALYSIS = "analysis", _("Under analysis")
    RESULTS = "results", _("Results published")


class ConsultationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


# Shown to the public: published or archived (an archived one stays readable).
VISIBLE_STATUSES = (ConsultationStatus.PUBLISHED, ConsultationStatus.ARCHIVED)


class ConsultationQuerySet(models.QuerySet):
    def visible(self):
        """Shown to the public (``VISIBLE_STATUSES``)."""
        return self.filter(status__in=VISIBLE_STATUSES)


class Consultation(Translated, models.Model):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title_fr = models.CharField(_("title (French)"), max_length=250)
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True)
    summary_fr = models.CharField(_("summary (French)"), max_length=500, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=500, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ConsultationStatus.choices,
        default=ConsultationStatus.DRAFT,
        db_index=True,
    )
    # The phases' dates (see phase_on). Each one may be empty while it is not known.
    announced_on = models.DateField(_("announced on"), null=True, blank=True)
    opens_on = models.DateField(_("contributions open on"), null=True, blank=True)
    closes_on = models.DateField(
        _("contributions close on"), null=True, blank=True, help_text=_("Last day on which contributions are taken.")
    )
    results_on = models.DateField(_("results published on"), null=True, blank=True)
    phase_forced = models.CharField(
        _("phase set by hand"),
        max_length=12,
        choices=Phase.choices,
        blank=True,
        help_text=_("Empty: the phase follows the dates."),
    )
    axes = models.ManyToManyField(Axis, blank=True, related_name="consultations", verbose_name=_("axes covered"))
    objectives = models.ManyToManyField(
        Objective, blank=True, related_name="consultations", verbose_name=_("objectives covered")
    )
    eligible_categories = models.JSONField(
        _("who may take part"),
        default=list,
        blank=True,
        help_text=_("Participant categories allowed to take part; empty: every verified account."),
    )
    questions = models.JSONField(
        _("questions to the participants"),
        default=list,
        blank=True,
        help_text=_('Open questions that invite ideas: [{"fr": …, "en": …}, …]'),
    )
    ideas_allowed = models.BooleanField(_("participants may suggest ideas"), default=True)
    ideas_premoderated = models.BooleanField(
        _("ideas are checked before publication"),
        default=True,
        help_text=_("Unticked: a participant's idea is published at once and may be hidden afterwards."),
    )
    sources = models.TextField(_("sources"), blank=True, help_text=_("Where the facts of this record come from."))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Bumped whenever one of its proposals is created, edited, changes state or is
    # deleted (signals.py), never by an opinion or a comment: the proposals list's
    # short cache is keyed by it (list_cache.py).
    list_version = models.PositiveIntegerField(_("version of the proposals list"), default=0, editable=False)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opens_on", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_on__isnull=True)
                | models.Q(closes_on__isnull=True)
                | models.Q(opens_on__lte=models.F("closes_on")),
                name="participation_consultation_open_before_close",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__isnull=True)
                | models.Q(results_on__isnull=True)
                | models.Q(closes_on__lt=models.F("results_on")),
                name="participation_consultation_close_before_results",
            ),
        ]

    def __str__(self):
        return self.title_fr

    def get_absolute_url(self):
        return reverse("participation:consultation", kwargs={"slug": self.slug})

    @property
    def title(self):
        return self.translated("title")

    @property
    def summary(self):
        return self.translated("summary")

    @property
    def description(self):
        return self.translated("description")

    def phase_on(self, today: datetime.date | None = None) -> str:
        """The phase on ``today`` (the local date by default): the one place it is decided.

        Before ``opens_on`` (or without it): announced; from ``opens_on`` to
        ``closes_on`` included (or without an end): open; after ``closes_on`` and
        before ``results_on`` (or without it): under analysis; from ``results_on``:
        results. A phase set by hand wins over the dates."""
        if self.phase_forced:
            return self.phase_forced
        today = today or timezone.localdate()
        if self.opens_on is None or today < self.opens_on:
            return Phase.ANNOUNCED
        if self.closes_on is None or today <= self.closes_on:
            return Phase.OPEN
        if self.results_on is None or today < self.results_on:
            return Phase.ANALYSIS
        return Phase.RESULTS

    @property
    def question_texts(self) -> list[str]:
        """The open questions in the current language (French when not translated)."""
        english = (get_language() or "fr").startswith("en")
        return [(q.get("en") if english and q.get("en") else q.get("fr", "")) for q in self.questions or []]

    @property
    def phase(self) -> str:
        return self.phase_on()

    @property
    def phase_label(self) -> str:
        return Phase(self.phase).label

    @property
    def is_open(self) -> bool:
        return self.status == ConsultationStatus.PUBLISHED and self.phase == Phase.OPEN

    def clean(self):
        super().clean()
        categories = self.eligible_categories
        if not isinstance(categories, list) or any(c not in ParticipantCategory.values for c in categories):
            raise ValidationError(
                {
                    "eligible_categories": _("Choose among the participant categories: %(choices)s.")
                    % {"choices": ", ".join(ParticipantCategory.values)}
                }
            )
        if self.opens_on and self.closes_on and self.opens_on > self.closes_on:
            raise ValidationError({"closes_on": _("Contributions cannot close before they open.")})
        if self.closes_on and self.results_on and self.results_on <= self.closes_on:
            raise ValidationError({"results_on": _("Results come after contributions close.")})


# --- Proposals --------------------------------------------------------------------


class Origin(models.TextChoices):
    OFFICIAL = "official", _("Workshop proposal")
    IDEA = "idea", _("Participant's idea")


class ProposalState(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting moderation")
    PUBLISHED = "published", _("Open for opinions")
    EVALUATING = "evaluating", _("Under evaluation")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Not retained")
    ALREADY_DONE = "already_done", _("Already done")
    # An idea refused by moderation (off-topic, abusive, duplicate): never public.
    HIDDEN = "hidden", _("Hidden by moderation")


# The state machine, written once (services.proposal_transition applies it).
PROPOSAL_TRANSITIONS: dict[str, frozenset[str]] = {
    ProposalState.SUBMITTED: frozenset({ProposalState.PUBLISHED, ProposalState.HIDDEN}),
    ProposalState.PUBLISHED: frozenset(
        {
            ProposalState.EVALUATING,
            ProposalState.ACCEPTED,
            ProposalState.REJECTED,
            ProposalState.ALREADY_DONE,
            ProposalState.HIDDEN,
        }
    ),
    ProposalState.EVALUATING: frozenset(
        {ProposalState.ACCEPTED, ProposalState.REJECTED, ProposalState.ALREADY_DONE, ProposalState.PUBLISHED}
    ),
    ProposalState.ACCEPTED: frozenset({ProposalState.EVALUATING}),
    ProposalState.REJECTED: frozenset({ProposalState.EVALUATING}),
    ProposalState.ALREADY_DONE: frozenset({ProposalState.EVALUATING}),
    ProposalState.HIDDEN: frozenset({ProposalState.PUBLISHED}),
}
# States the public sees (and may give an opinion on while the consultation is open).
PUBLIC_STATES = frozenset(
    {
        ProposalState.PUBLISHED,
        ProposalState.EVALUATING,
        ProposalState.ACCEPTED,
        ProposalState.REJECTED,
        ProposalState.ALREADY_DONE,
    }
)
# States that close the question: they carry the metropolis's public answer.
DECIDED_STATES = frozenset({ProposalState.ACCEPTED, ProposalState.REJECTED, ProposalState.ALREADY_DONE})


class ProposalQuerySet(models.QuerySet):
    def public(self):
        return self.filter(state__in=PUBLIC_STATES)


class Proposal(Translated, models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("consultation")
    )
    reference = models.CharField(
        _("reference"), max_length=20, blank=True, help_text=_("Code of a workshop proposal in the plan, if any.")
    )
    title_fr = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=220)
    body_fr = models.TextField(_("text"), help_text=_("Plain text, or simple formatting (bold, lists, links)."))
    body_en = models.TextField(_("text (English)"), blank=True)
    objective = models.ForeignKey(
        Objective,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("objective"),
    )
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.IDEA, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participation_proposals",
        verbose_name=_("author"),
    )
    state = models.CharField(
        _("state"), max_length=14, choices=ProposalState.choices, default=ProposalState.SUBMITTED, db_index=True
    )
    state_changed_at = models.DateTimeField(_("state changed on"), null=True, blank=True)
    moderation_reason = models.TextField(
        _("reason for hiding"), blank=True, help_text=_("Told to the author of an idea hidden by moderation.")
    )
    answer_fr = models.TextField(_("answer of the metropolis"), blank=True)
    answer_en = models.TextField(_("answer of the metropolis (English)"), blank=True)
    answered_at = models.DateTimeField(_("answered on"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    action = models.ForeignKey(
        Action,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("plan action it became"),
    )
    # Exact counters, kept by the services in the same transaction as the rows.
    agree_count = models.PositiveIntegerField(_("agree"), default=0, editable=False)
    mixed_count = models.PositiveIntegerField(_("mixed"), default=0, editable=False)
    disagree_count = models.PositiveIntegerField(_("disagree"), default=0, editable=False)
    comment_count = models.PositiveIntegerField(_("comments"), default=0, editable=False)
    random_key = models.BigIntegerField(default=new_random_key, editable=False)
    is_example = models.BooleanField(
        _("example"), default=False, help_text=_("Demonstration content, shown as an example on the page.")
    )
    sources = models.TextField(_("sources"), blank=True, help_text=_("Where the facts of this record come from."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("submitted on"), default=timezone.now)
    published_at = models.DateTimeField(_("published on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    search_document = models.TextField(editable=False, default="")

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "slug"], name="participation_proposal_slug"),
        ]
        indexes = [
            models.Index(fields=["consultation", "state", "-agree_count"], name="participation_prop_agree"),
            models.Index(fields=["consultation", "state", "-comment_count"], name="participation_prop_debated"),
            models.Index(fields=["consultation", "state", "-published_at"], name="participation_prop_newest"),
        ]

    def __str__(self):
        return self.title_fr

    def get_absolute_url(self):
        return reverse("participation:proposal", kwargs={"consultation": self.consultation.slug, "slug": self.slug})

    @property
    def title(self):
        return self.translated("title")

    @property
    def body(self):
        return self.translated("body")

    @property
    def answer(self):
        return self.translated("answer")

    @property
    def opinion_count(self) -> int:
        return self.agree_count + self.mixed_count + self.disagree_count

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES

    @property
    def is_decided(self) -> bool:
        return self.state in DECIDED_STATES

    def build_search_document(self) -> str:
        parts = [self.reference, self.title_fr, self.title_en, plain_text(self.body_fr), plain_text(self.body_en)]
        if self.objective_id:
            objective = self.objective
            parts += [objective.code, objective.title_fr, objective.title_en]
        return build_document(*parts)


class ProposalChange(models.Model):
    """Every change of a proposal's state, answer or action, with its author and date."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(_("what"), max_length=30)
    before = models.CharField(_("before"), max_length=300, blank=True)
    after = models.CharField(_("after"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("proposal change")
        verbose_name_plural = _("proposal changes")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.field}: {self.before} → {self.after}"


# --- Opinions ---------------------------------------------------------------------


class OpinionValue(models.TextChoices):
    AGREE = "agree", _("Agree")
    MIXED = "mixed", _("Mixed")
    DISAGREE = "disagree", _("Disagree")


# The counter of the proposal that each value moves.
COUNTER_FIELDS = {
    OpinionValue.AGREE: "agree_count",
    OpinionValue.MIXED: "mixed_count",
    OpinionValue.DISAGREE: "disagree_count",
}


class Opinion(models.Model):
    """One participant's opinion on one proposal (at most one: a database constraint)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="opinions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_opinions")
    value = models.CharField(_("opinion"), max_length=10, choices=OpinionValue.choices)
    participant_category = models.CharField(
        _("participant category"),
        max_length=20,
        choices=ParticipantCategory.choices,
        blank=True,
        help_text=_("The participant's category when they gave this opinion (results by category)."),
    )
    created_at = models.DateTimeField(_("given on"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed on"), default=timezone.now)

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="participation_one_opinion_per_person"),
            models.CheckConstraint(
                condition=models.Q(value__in=OpinionValue.values), name="participation_opinion_value"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.proposal_id}: {self.value}"


# --- Comments, flags --------------------------------------------------------------


class Stance(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    NEUTRAL = "neutral", _("Neutral")
    NONE = "none", _("No stance")


class Comment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participation_comments",
        verbose_name=_("author"),
    )
    body = models.TextField(_("comment"))
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices, default=Stance.NONE)
    is_official = models.BooleanField(_("official answer"), default=False)
    is_example = models.BooleanField(_("example"), default=False)
    created_at = models.DateTimeField(_("written on"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("edited on"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden on"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["proposal", "created_at"], name="participation_comment_order")]
        constraints = [
            models.CheckConstraint(condition=models.Q(stance__in=Stance.values), name="participation_comment_stance"),
        ]

    def __str__(self):
        return self.body[:60]

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class FlagReason(models.TextChoices):
    ABUSE = "abuse", _("Insulting or abusive")
    SPAM = "spam", _("Spam or advertising")
    OFF_TOPIC = "off_topic", _("Off topic")
    PERSONAL_DATA = "personal_data", _("Reveals personal data")
    OTHER = "other", _("Other")


class CommentFlag(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=FlagReason.choices, default=FlagReason.OTHER)
    details = models.TextField(_("details"), blank=True)
    created_at = models.DateTimeField(_("flagged on"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved on"), null=True, blank=True, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="participation_flag_once")]

    def __str__(self):
        return f"{self.comment_id}: {self.reason}"


# --- Follows, notification preference, blocks -----------------------------------


class Follow(models.Model):
    """A person follows one proposal or one whole consultation (exactly one)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_follows")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="follows")
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, null=True, blank=True, related_name="follows"
    )
    created_at = models.DateTimeField(_("followed since"), default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "proposal"],
                condition=models.Q(proposal__isnull=False),
                name="participation_follow_proposal_once",
            ),
            models.UniqueConstraint(
                fields=["user", "consultation"],
                condition=models.Q(consultation__isnull=False),
                name="participation_follow_consultation_once",
            ),
            models.CheckConstraint(
                condition=(models.Q(proposal__isnull=False) & models.Q(consultation__isnull=True))
                | (models.Q(proposal__isnull=True) & models.Q(consultation__isnull=False)),
                name="participation_follow_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.proposal_id or self.consultation_id}"


class NotificationFrequency(models.TextChoices):
    IMMEDIATE = "immediate", _("At once, one e-mail per news")
    DAILY = "daily", _("A daily digest")
    NEVER = "never", _("No e-mail")


def new_unsubscribe_token() -> str:
    """The former stored token's default (kept for migration 0003, which names it)."""
    return secrets.token_urlsafe(32)


class ParticipationSettings(models.Model):
    """A person's choices for participation: how often they hear about what they
    follow. One row per person (a preference of the person, not of each follow),
    created when first needed; the token makes the one-click unsubscribe link."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_settings"
    )
    frequency = models.CharField(
        _("e-mails about what I follow"),
        max_length=10,
        choices=NotificationFrequency.choices,
        default=NotificationFrequency.IMMEDIATE,
    )
    language = models.CharField(
        _("language of the e-mails"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the pages where the person last chose to follow something, or chose here."),
    )
    # The one-click unsubscribe link's token is never stored (core/tokens.py): the
    # nonce makes it again for each e-mail, its hash finds the row from a link.
    token_nonce = models.CharField(max_length=32, unique=True, default=tokens.new_nonce, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    digest_sent_at = models.DateTimeField(_("last digest sent on"), null=True, blank=True, editable=False)

    TOKEN_SALT = "helice.participation.ParticipationSettings"  # noqa: S105 - an HMAC salt, not a secret

    class Meta:
        verbose_name = _("participation settings")
        verbose_name_plural = _("participation settings")

    def __str__(self):
        return f"{self.user_id}: {self.frequency}"

    def save(self, *args, **kwargs):
        if not self.token_hash:
            self.token_hash = self.hash_of(self.unsubscribe_token)
        super().save(*args, **kwargs)

    @property
    def unsubscribe_token(self) -> str:
        return tokens.make_token(self.TOKEN_SALT, self.token_nonce)

    @classmethod
    def hash_of(cls, token: str) -> str:
        return tokens.hash_token(token)


class ParticipationBlock(models.Model):
    """An account kept out of participation (opinions, ideas, comments, flags) by a
    moderator, with the reason. Lifted, never deleted; at most one active block."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_blocks", verbose_name=_("user")
    )
    reason = models.TextField(_("reason"))
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("blocked by")
    )
    created_at = models.DateTimeField(_("blocked on"), default=timezone.now)
    until = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: until lifted."))
    lifted_at = models.DateTimeField(_("lifted on"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )

    class Meta:
        verbose_name = _("participation block")
        verbose_name_plural = _("participation blocks")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(lifted_at__isnull=True), name="participation_one_active_block"
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d})"

    def is_active(self, now: datetime.datetime | None = None) -> bool:
        if self.lifted_at is not None:
            return False
        return self.until is None or self.until > (now or timezone.now())


# --- Moderation decisions, notifications (comments, moderation and notifications) -------


class ModerationAction(models.TextChoices):
    HIDE_COMMENT = "hide_comment", _("Comment hidden")
    DISMISS_FLAGS = "dismiss_flags", _("Flags dismissed")
    APPROVE_IDEA = "approve_idea", _("Idea published")
    REFUSE_IDEA = "refuse_idea", _("Idea refused")
    BLOCK = "block", _("Account blocked")
    UNBLOCK = "unblock", _("Account unblocked")


class ModerationDecision(models.Model):
    """One decision of a participation moderator, kept as the history of the queue.

    Hiding a comment moves its text here (``removed_text``, read by moderators
    only): the comment itself keeps no text, so that neither the page, the API nor
    the exports can show it."""

    action = models.CharField(_("decision"), max_length=20, choices=ModerationAction.choices, db_index=True)
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="decisions", verbose_name=_("comment")
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="decisions", verbose_name=_("idea")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    reason = models.TextField(_("reason"), blank=True)
    removed_text = models.TextField(_("text removed"), blank=True)
    flag_count = models.PositiveIntegerField(_("flags"), default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.action} ({self.at:%Y-%m-%d})"


class NotificationKind(models.TextChoices):
    REPLY = "reply", _("A reply to your comment")
    OFFICIAL_ANSWER = "official_answer", _("An official answer")
    STATE = "state", _("A change of state")
    ANSWER = "answer", _("The metropolis's answer")
    NEW_PROPOSAL = "new_proposal", _("A new proposal")


class Notification(models.Model):
    """One piece of news for one person, sent at once or in the next daily digest.

    ``sent_at`` is stamped in the transaction that queues the mail, so an item is
    never sent twice; the same comment or change is never recorded twice for one
    person (constraints), whatever they follow."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_notifications"
    )
    kind = models.CharField(_("news"), max_length=20, choices=NotificationKind.choices)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    change = models.ForeignKey(ProposalChange, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["user", "sent_at"], name="participation_notif_pending")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "comment"],
                condition=models.Q(comment__isnull=False),
                name="participation_notif_comment_once",
            ),
            models.UniqueConstraint(
                fields=["user", "change"],
                condition=models.Q(change__isnull=False),
                name="participation_notif_change_once",
            ),
            models.UniqueConstraint(
                fields=["user", "proposal", "kind"],
                condition=models.Q(kind="new_proposal"),
                name="participation_notif_new_proposal_once",
            ),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.kind} ({self.proposal_id})"
