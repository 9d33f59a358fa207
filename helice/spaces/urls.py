from django.urls import path

from . import views

app_name = "spaces"

urlpatterns = [
    path("", views.space_list, name="list"),
    path("export.csv", views.space_export, name="export"),
    path("carte/", views.space_map, name="map"),
    path("parcours/", views.company_path, name="path"),
    path("territoire/", views.spread, name="spread"),
    path("<slug:slug>/", views.space_detail, name="detail"),
    path("<slug:slug>/disponibilite/", views.confirm_availability, name="confirm_availability"),
]
