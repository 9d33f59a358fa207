from django.urls import path

from . import views, views_alerts, views_request

app_name = "guichet"

urlpatterns = [
    path("", views.finder, name="finder"),
    path("demande/", views_request.request_new, name="request"),
    path("demande/envoyee/", views_request.request_sent, name="request_sent"),
    path("alertes/", views_alerts.alert_create, name="alert_create"),
    path("alertes/demandee/", views_alerts.alert_requested, name="alert_requested"),
    path("alertes/<str:token>/", views_alerts.alert_detail, name="alert"),
    path("alertes/<str:token>/confirmer/", views_alerts.alert_confirm, name="alert_confirm"),
    path("alertes/<str:token>/desabonner/", views_alerts.alert_unsubscribe, name="alert_unsubscribe"),
    path("dispositifs/", views.service_list, name="services"),
    path("dispositifs/export.csv", views.service_export, name="export"),
    path("dispositifs/<slug:slug>/", views.service_detail, name="service"),
]
