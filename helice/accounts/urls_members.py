"""Memberships in the partner space, mounted under /mon-espace/ (namespace ``accounts``)."""

from django.urls import path

from .views import members, partner

urlpatterns = [
    path("", partner.my_space, name="my_space"),
    path("organisations/<slug:slug>/", partner.organization, name="organization"),
    path("organisations/<slug:slug>/membres/", members.members, name="members"),
    path("organisations/<slug:slug>/membres/inviter/", members.invite, name="invite"),
    path("organisations/<slug:slug>/membres/<int:pk>/role/", members.member_role, name="member_role"),
    path("organisations/<slug:slug>/membres/<int:pk>/retirer/", members.member_remove, name="member_remove"),
    path("organisations/<slug:slug>/quitter/", members.leave, name="leave"),
    path(
        "organisations/<slug:slug>/invitations/<int:pk>/annuler/",
        members.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "organisations/<slug:slug>/invitations/<int:pk>/renvoyer/",
        members.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "organisations/<slug:slug>/demandes/<int:pk>/accepter/",
        members.join_request_accept,
        name="join_request_accept",
    ),
    path(
        "organisations/<slug:slug>/demandes/<int:pk>/refuser/",
        members.join_request_refuse,
        name="join_request_refuse",
    ),
    path("rejoindre/<slug:slug>/", members.join, name="join"),
    path("demandes/<int:pk>/retirer/", members.join_request_withdraw, name="join_request_withdraw"),
    path("invitations/<int:pk>/repondre/", members.invitation_answer, name="invitation_answer"),
    # Before the token pattern, which would take "reponse" for a token.
    path("invitations/reponse/", members.invitation_response, name="invitation_response"),
    path("invitations/<str:token>/", members.invitation, name="invitation"),
    path("demandes-adhesion/", members.join_requests, name="join_requests"),
]
