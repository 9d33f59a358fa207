from django.urls import path

from . import views, views_partner, views_request

app_name = "spaces"

# "demande" comes before the spaces' own addresses: no space takes it as slug
# (models.RESERVED_SLUGS).
urlpatterns = [
    path("", views.space_list, name="list"),
    path("export.csv", views.space_export, name="export"),
    path("carte/", views.space_map, name="map"),
    path("parcours/", views.company_path, name="path"),
    path("territoire/", views.spread, name="spread"),
    path("demande/", views_request.request_new, name="request"),
    path("demande/envoyee/", views_request.request_sent, name="request_sent"),
    path("<slug:slug>/", views.space_detail, name="detail"),
    path("<slug:slug>/disponibilite/", views.confirm_availability, name="confirm_availability"),
    path("<slug:slug>/modifier/", views_partner.space_edit, name="edit"),
]
