from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.organization_list, name="list"),
    path("export.csv", views.organization_export, name="export"),
    path("carte/", views.organization_map, name="map"),
    path("matrice/", views.organization_matrix, name="matrix"),
    path("<slug:slug>/", views.organization_detail, name="detail"),
]
