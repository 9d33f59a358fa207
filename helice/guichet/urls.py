from django.urls import path

from . import views

app_name = "guichet"

urlpatterns = [
    path("", views.finder, name="finder"),
    path("dispositifs/", views.service_list, name="services"),
    path("dispositifs/export.csv", views.service_export, name="export"),
    path("dispositifs/<slug:slug>/", views.service_detail, name="service"),
]
