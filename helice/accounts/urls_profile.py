"""Profile and personal data; included by accounts/urls.py (namespace ``accounts``)."""

from django.urls import path

from .views import profile

urlpatterns = [
    path("profil/", profile.profile, name="profile"),
    path("mes-donnees/export.json", profile.data_export, name="data_export"),
    path("supprimer/", profile.delete, name="delete"),
    path("donnees-personnelles/", profile.privacy, name="privacy"),
]
