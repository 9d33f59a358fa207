from django.urls import path

from .views import organization

urlpatterns = [
    path("organisations/<slug:slug>/profil/", organization.organization_edit, name="organization_edit"),
    path(
        "organisations/<slug:slug>/modifications/<int:pk>/retirer/",
        organization.revision_withdraw,
        name="revision_withdraw",
    ),
    path("organisations/<slug:slug>/confiance/", organization.organization_trust, name="organization_trust"),
]
