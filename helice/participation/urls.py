from django.urls import path, re_path

from . import views, views_comments, views_moderation, views_notifications, views_results

app_name = "participation"

# Comments, moderation and notifications (docs/participation.md) first: their fixed
# first segments ("moderation", "notifications", "suivi") come before the
# consultations' slugs.
comment_urls = [
    path("moderation/", views_moderation.queue, name="moderation"),
    path("moderation/idees/<int:pk>/", views_moderation.idea_decide, name="moderation_idea"),
    path("moderation/commentaires/", views_moderation.flagged, name="moderation_comments"),
    path("moderation/commentaires/<int:pk>/", views_moderation.comment_detail, name="moderation_comment"),
    path("moderation/commentaires/<int:pk>/masquer/", views_moderation.comment_hide, name="moderation_comment_hide"),
    path(
        "moderation/commentaires/<int:pk>/garder/", views_moderation.comment_dismiss, name="moderation_comment_dismiss"
    ),
    path("moderation/comptes/", views_moderation.blocks, name="moderation_blocks"),
    path("moderation/comptes/<int:pk>/bloquer/", views_moderation.user_block, name="moderation_block"),
    path("moderation/comptes/<int:pk>/debloquer/", views_moderation.user_unblock, name="moderation_unblock"),
    path("moderation/historique/", views_moderation.history, name="moderation_history"),
    path("notifications/", views_notifications.notification_settings, name="notification_settings"),
    path("notifications/desabonner/<str:token>/", views_notifications.unsubscribe, name="unsubscribe"),
    path("suivi/consultation/<slug:slug>/", views_notifications.follow_consultation, name="follow_consultation"),
    path(
        "suivi/proposition/<slug:consultation>/<slug:slug>/",
        views_notifications.follow_proposal,
        name="follow_proposal",
    ),
    path("<slug:consultation>/propositions/<slug:slug>/commentaires/", views_comments.comments, name="comments"),
    path(
        "<slug:consultation>/propositions/<slug:slug>/commentaires/ecrire/",
        views_comments.comment_post,
        name="comment_post",
    ),
    path(
        "<slug:consultation>/propositions/<slug:slug>/commentaires/<int:pk>/modifier/",
        views_comments.comment_edit,
        name="comment_edit",
    ),
    path(
        "<slug:consultation>/propositions/<slug:slug>/commentaires/<int:pk>/signaler/",
        views_comments.comment_flag,
        name="comment_flag",
    ),
    path(
        "<slug:consultation>/propositions/<slug:slug>/commentaires/<int:pk>/masquer/",
        views_comments.comment_hide,
        name="comment_hide",
    ),
]

urlpatterns = [
    *comment_urls,
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
