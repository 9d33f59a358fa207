"""E-mail notifications, one way for every part.

A notification is a pair of templates, ``<name>_subject.txt`` and
``<name>_body.txt``, rendered in the site's language (recipients have no stored
language preference yet) and sent once the current transaction commits, so a
rolled-back change sends nothing. A mail server that is down or slow
(``EMAIL_TIMEOUT``) is logged, never raised: what the user submitted is already
saved and stays visible in the site."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


def render(template: str, context: dict) -> tuple[str, str]:
    full = {"site_name": settings.HELICE_SITE_NAME, "site_url": settings.SITE_URL.rstrip("/"), **context}
    with translation.override(settings.LANGUAGE_CODE):
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


def send_after_commit(*, template: str, context: dict, recipients: Iterable[str]) -> None:
    recipients = list(recipients)
    transaction.on_commit(lambda: send_now(template=template, context=context, recipients=recipients))


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
