from django.urls import path

from . import views

app_name = "agenda"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("export.csv", views.event_export, name="export"),
    path("agenda.ics", views.event_feed, name="feed"),
    path("mois/", views.event_month, name="month"),
    path("mois/<str:month>/", views.event_month, name="month_of"),
    path("carte/", views.event_map, name="map"),
    path("international/", views.event_international, name="international"),
    path("evenements/<slug:slug>/", views.event_detail, name="detail"),
    path("evenements/<slug:slug>.ics", views.event_ics, name="ics"),
]
