from django.urls import path, re_path

from . import views, views_results

app_name = "participation"

urlpatterns = [
    path("", views.consultation_list, name="consultations"),
    path("<slug:slug>/", views.consultation_detail, name="consultation"),
    path("<slug:slug>/proposer/", views.idea_new, name="idea"),
    path("<slug:consultation>/propositions/<slug:slug>/", views.proposal_detail, name="proposal"),
    path("<slug:consultation>/propositions/<slug:slug>/avis/", views.opinion, name="opinion"),
    path("<slug:consultation>/propositions/<slug:slug>/etat/", views.proposal_transition, name="transition"),
    path("<slug:consultation>/propositions/<slug:slug>/reponse/", views.proposal_answer, name="answer"),
    # Results and open data (views_results.py).
    path("<slug:slug>/resultats/", views_results.consultation_results, name="results"),
    re_path(
        r"^(?P<slug>[-a-zA-Z0-9_]+)/donnees/(?P<dataset>propositions|avis|commentaires)\.(?P<fmt>csv|json)$",
        views_results.consultation_export,
        name="export",
    ),
]
