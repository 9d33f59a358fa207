from django.urls import path

from . import views_partner

app_name = "guichet_partner"

# Mounted under /mon-espace/organisations/<organization_slug>/dispositifs/.
# "nouveau" comes first: no service takes it as slug (services.RESERVED_SLUGS).
urlpatterns = [
    path("nouveau/", views_partner.service_propose, name="propose"),
    path("<slug:service_slug>/", views_partner.service_edit, name="edit"),
]
