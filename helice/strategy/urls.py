from django.urls import path

from . import views, views_import

app_name = "strategy"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("carte/", views.strategy_map, name="map"),
    path("objectifs/<str:code>/", views.objective_detail, name="objective"),
    path("indicateurs/valeurs.csv", views.values_csv, name="values_csv"),
    path("indicateurs/<str:code>/", views.indicator_detail, name="indicator"),
    path("indicateurs/<str:code>/modifier/", views.indicator_edit, name="indicator_edit"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<str:code>/", views.action_detail, name="action"),
    path("actions/<str:code>/modifier/", views.action_edit, name="action_edit"),
    path("saisie/", views.entry, name="entry"),
    path("import/", views_import.import_measurements, name="import"),
    path("import/modele.csv", views_import.import_template, name="import_template"),
]

# The evaluation report for a period (views_report.py): a printable page and its PDF.
from . import views_report  # noqa: E402

urlpatterns += [
    path("rapport/", views_report.report, name="report"),
    path("rapport.pdf", views_report.report_pdf, name="report_pdf"),
]
