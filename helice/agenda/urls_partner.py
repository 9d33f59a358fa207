from django.urls import path

from . import views_partner

app_name = "agenda_partner"

# Mounted under /mon-espace/organisations/<organization_slug>/agenda/.
urlpatterns = [
    path("", views_partner.event_list, name="list"),
    path("nouveau/", views_partner.event_propose, name="propose"),
    path("evenements/<slug:event_slug>/", views_partner.event_edit, name="edit"),
    path("evenements/<slug:event_slug>/annuler/", views_partner.event_cancel, name="cancel"),
    path("flux/", views_partner.feeds, name="feeds"),
    path("flux/<int:pk>/", views_partner.feed_action, name="feed"),
]
