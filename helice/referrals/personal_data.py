"""The requests a person sent, in their personal-data export; anonymised when
their account is deleted."""

from django.utils.translation import gettext_lazy as _

from helice.core import personal_data

from .models import Request


def export(user) -> list[dict]:
    requests = Request.objects.filter(user=user).prefetch_related("cases__organization", "cases__events")
    return [
        {
            "reference": r.reference,
            "kind": r.kind,
            "created_at": r.created_at.isoformat(),
            "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
            "name": r.name,
            "email": r.email,
            "phone": r.phone,
            "company_name": r.company_name,
            "siren": r.siren,
            "siret": r.siret,
            "message": r.message,
            "details": r.details,
            "cases": [
                {
                    "organization": c.organization.name,
                    "about": c.subject_label,
                    "status": c.status,
                    "satisfaction": c.satisfaction,
                    "satisfaction_comment": c.satisfaction_comment,
                    "outcome": c.outcome,
                    "outcome_comment": c.outcome_comment,
                    "history": [
                        {"at": e.at.isoformat(), "kind": e.kind, "status": e.to_status, "message": e.message}
                        for e in c.events.all()
                        if e.public
                    ],
                }
                for c in r.cases.all()
            ],
        }
        for r in requests
    ]


def erase(user) -> None:
    from .services import erase_for_user

    erase_for_user(user)


def register() -> None:
    personal_data.register(
        "referrals.requests", exporter=export, eraser=erase, description=_("Requests you sent to providers.")
    )
