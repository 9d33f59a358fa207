"""Requests and cases for tests, built through the services (so the rules hold)."""

import uuid

from helice.directory.tests.factories import OrganizationFactory
from helice.referrals import services
from helice.referrals.models import RequestKind


def send_request(*, organizations=None, route=False, user=None, email="ana@example.org", confirm=True, **data):
    """A request to ``organizations`` (one new organisation by default), confirmed
    unless ``confirm=False``. Returns (request, token)."""
    organizations = organizations if organizations is not None else [OrganizationFactory()]
    fields = {"name": "Ana Lopez", "email": email, "message": "Je cherche un financement.", **data}
    created = services.request_create(
        kind=data.pop("kind", RequestKind.ORIENTATION),
        targets=[services.Target(organization=o) for o in organizations],
        route_to_team=route,
        submission_key=uuid.uuid4(),
        data=fields,
        user=user,
    )
    if confirm and not created.request.is_submitted:
        services.request_confirm(request_obj=created.request)
    return created.request, created.token
