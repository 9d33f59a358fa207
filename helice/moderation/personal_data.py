"""The moderation part's section of a person's data (helice.core.personal_data):
the changes they proposed or reviewed. On deletion the revisions stay (they are
the history of public content) and show "Deleted account"; the free-text notes
the person wrote are blanked."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helice.core import personal_data

from .models import Revision


def _iso(value):
    return value.isoformat() if value else None


def export_revisions(user) -> list[dict]:
    rows = Revision.objects.filter(Q(author=user) | Q(reviewed_by=user)).select_related("content_type")
    return [
        {
            "content": revision.object_repr,
            "kind_of_content": revision.content_type.model,
            "role": "author" if revision.author_id == user.pk else "reviewer",
            "status": revision.status,
            "submitted_at": _iso(revision.created_at),
            "reviewed_at": _iso(revision.reviewed_at),
            "note": revision.comment if revision.author_id == user.pk else "",
            "reason": revision.reason if revision.reviewed_by_id == user.pk else "",
            "changed_fields": revision.changed_fields,
        }
        for revision in rows.order_by("id")
    ]


def erase_revisions(user) -> None:
    Revision.objects.filter(author=user).exclude(comment="").update(comment="")


def register() -> None:
    personal_data.register(
        "moderation.revisions",
        export_revisions,
        erase_revisions,
        description=_("Changes you proposed to organisations' content, or reviewed, with your notes."),
    )
