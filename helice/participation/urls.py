from django.urls import path

from . import views

app_name = "participation"

urlpatterns = [
    path("", views.consultation_list, name="consultations"),
    path("<slug:slug>/", views.consultation_detail, name="consultation"),
    path("<slug:slug>/proposer/", views.idea_new, name="idea"),
    path("<slug:consultation>/propositions/<slug:slug>/", views.proposal_detail, name="proposal"),
    path("<slug:consultation>/propositions/<slug:slug>/avis/", views.opinion, name="opinion"),
    path("<slug:consultation>/propositions/<slug:slug>/etat/", views.proposal_transition, name="transition"),
    path("<slug:consultation>/propositions/<slug:slug>/reponse/", views.proposal_answer, name="answer"),
]
