"""E-mail notifications, one way for every part.

A notification is a pair of templates, ``<name>_subject.txt`` and
``<name>_body.txt``, rendered in the site's language, or in ``language`` when the
caller knows the recipient's (the guichet's alerts keep the language of the
subscription).

``send_after_commit`` (the default for notifications) stores the rendered mail
in the persistent outbox (:class:`helice.core.models.OutgoingEmail`) inside the
current transaction, so a rolled-back change sends nothing and a committed one
is never lost, then tries to send it once the transaction commits. A mail server
that is down or slow (``EMAIL_TIMEOUT``) is logged, never raised; the
``send_queued_emails`` command retries what is left with a growing delay.

``send_now`` is for mails whose outcome the caller reports at once (an
invitation the inviter can resend); it does not queue."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from helice.core.models import OutgoingEmail


def render(template: str, context: dict, language: str | None = None) -> tuple[str, str]:
    full = {"site_name": settings.HELICE_SITE_NAME, "site_url": settings.SITE_URL.rstrip("/"), **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", full).split())
        body = render_to_string(f"{template}_body.txt", full)
    return subject, body


def send_now(*, template: str, context: dict, recipients: Iterable[str]) -> bool:
    """Send at once; True when the server accepted it, False (logged) otherwise."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return True
    try:
        subject, body = render(template, context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # the server is down, refuses, or times out
        logger.exception("Could not send the %s e-mail to %d recipient(s)", template, len(recipients))
        return False
    return True


def send_after_commit(
    *,
    template: str,
    context: dict,
    recipients: Iterable[str],
    headers: dict | None = None,
    language: str | None = None,
) -> OutgoingEmail | None:
    """Queue the mail in the outbox (same transaction as the caller's change) and
    try to send it once that transaction commits. ``language``: the recipient's,
    when known (the site's by default)."""
    from helice.core.models import OutgoingEmail

    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return None
    subject, body = render(template, context, language)
    email = OutgoingEmail.objects.create(
        template=template,
        recipients=recipients,
        subject=subject[:300],
        body=body,
        headers=headers or {},
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: deliver(email.pk))
    return email


def retry_delay(attempts: int) -> datetime.timedelta:
    """Delay before the next try after ``attempts`` failures: 1, 5, 15, 60 minutes,
    then 6 hours."""
    minutes = [1, 5, 15, 60][attempts - 1] if attempts <= 4 else 360
    return datetime.timedelta(minutes=minutes)


def deliver(pk: int) -> bool:
    """Try to send one queued mail; record the outcome. Safe to call twice: a row
    is locked while it is sent and a sent row is left alone."""
    from helice.core.models import OutgoingEmail

    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=pk, status=OutgoingEmail.Status.PENDING).first()
        if email is None:
            return False
        try:
            EmailMessage(
                email.subject, email.body, settings.DEFAULT_FROM_EMAIL, email.recipients, headers=email.headers
            ).send()
        except Exception as error:  # the server is down, refuses, or times out
            email.attempts += 1
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                email.status = OutgoingEmail.Status.FAILED
                email.next_attempt_at = None
                logger.error("Gave up sending e-mail %s (%s) after %d attempts", pk, email.template, email.attempts)
            else:
                email.next_attempt_at = timezone.now() + retry_delay(email.attempts)
                logger.warning("Could not send e-mail %s (%s); will retry", pk, email.template, exc_info=True)
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return False
        email.status = OutgoingEmail.Status.SENT
        email.attempts += 1
        email.sent_at = timezone.now()
        email.next_attempt_at = None
        email.save(update_fields=["status", "attempts", "sent_at", "next_attempt_at"])
        return True


def deliver_due(*, limit: int = 500) -> tuple[int, int]:
    """Send the queued mails whose next attempt is due; returns (sent, failed)."""
    from helice.core.models import OutgoingEmail

    due = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=timezone.now())
    sent = failed = 0
    for pk in due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]:
        if deliver(pk):
            sent += 1
        else:
            failed += 1
    return sent, failed


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def role_emails(*roles: str) -> list[str]:
    """Addresses of the active people holding one of these staff roles (administrators
    and superusers hold every role)."""
    from helice.core.roles import ADMINISTRATOR

    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=[*roles, ADMINISTRATOR]))
    )
    return sorted(set(users.exclude(email=None).exclude(email="").values_list("email", flat=True)))
