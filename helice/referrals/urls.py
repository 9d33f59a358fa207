from django.urls import path

from . import views

app_name = "referrals"

# Mounted at the site root (helice/urls.py): handlers in "my space", the
# requester's private link and the public statistics under /demandes/.
urlpatterns = [
    path("mon-espace/demandes/", views.inbox, name="inbox"),
    path("mon-espace/demandes/<int:pk>/", views.case_detail, name="case"),
    path("mon-espace/demandes/statistiques.csv", views.statistics_export, name="inbox_statistics_csv"),
    path("mon-espace/mes-demandes/", views.my_requests, name="mine"),
    path("mon-espace/mes-demandes/<int:pk>/", views.my_request, name="my_request"),
    path("demandes/suivi/", views.link_resend, name="link_resend"),
    path("demandes/suivi/<str:token>/", views.track, name="track"),
    path("demandes/statistiques/", views.statistics, name="statistics"),
    path("demandes/statistiques.csv", views.statistics_csv, name="statistics_csv"),
]
