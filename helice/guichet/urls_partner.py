from django.urls import path

from . import views_partner

app_name = "guichet_partner"

# Mounted under /mon-espace/organisations/<organization_slug>/dispositifs/.
urlpatterns = [
    path("<slug:service_slug>/", views_partner.service_edit, name="edit"),
]
