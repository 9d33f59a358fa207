"""Writes on a person's own account: profile, export of their data, deletion.

Keyword-only, transactional, named ``<entity>_<action>`` (docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from helice.accounts.models import ParticipantCategory, User
from helice.core import personal_data


class ProfileError(ValueError):
    """Bad input for a profile write; the message is meant for the person."""


@transaction.atomic
def profile_update(*, user: User, display_name: str, participant_category: str = "") -> User:
    display_name = (display_name or "").strip()
    if not display_name:
        raise ProfileError("A public display name is required.")
    if participant_category and participant_category not in ParticipantCategory.values:
        raise ProfileError("Unknown participant category.")
    user.display_name = display_name[:150]
    user.participant_category = participant_category or ""
    user.save(update_fields=["display_name", "participant_category"])
    return user


def user_export(*, user: User) -> dict[str, Any]:
    """Everything every part holds about ``user`` (the personal_data registry),
    with the time of the export. Read-only, in one consistent snapshot."""
    with transaction.atomic():
        sections = personal_data.export(user)
    return {
        "generated_at": timezone.now().isoformat(),
        "user_id": user.pk,
        "sections": sections,
    }


@transaction.atomic
def user_delete(*, user: User) -> User:
    """Erase ``user``'s personal data and close the account, keeping the row so
    public contributions stay (shown as "Deleted account").

    Every registered eraser runs first, in this transaction: if one fails, nothing
    is changed. The caller logs the person out of the current request.

    Other sessions of the person are not searched (that would read every session
    of the site): the unusable password changes the session's authentication hash
    and the account is inactive, so ``django.contrib.auth.get_user`` answers an
    anonymous user on their next request, whatever the session engine; expired
    session rows go with ``manage.py clearsessions``."""
    if user.is_deleted:
        raise ProfileError("This account is already deleted.")
    user = User.objects.select_for_update().get(pk=user.pk)
    personal_data.erase(user)
    user.email = None
    user.first_name = ""
    user.last_name = ""
    user.username = f"deleted-{user.pk}"
    user.display_name = ""
    user.participant_category = ""
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.deleted_at = timezone.now()
    # When the person signed up and last signed in is personal too; the column of
    # the sign-up date cannot be empty, so it takes the date of the deletion.
    user.last_login = None
    user.date_joined = user.deleted_at
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return user
