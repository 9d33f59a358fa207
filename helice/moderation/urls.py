from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("modifications/<int:pk>/", views.review, name="review"),
    path("modifications/<int:pk>/restaurer/", views.restore, name="restore"),
    path("historique/<int:content_type_id>/<int:object_id>/", views.history, name="history"),
]
