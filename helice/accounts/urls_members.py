from django.urls import path

from .views import partner

urlpatterns = [
    path("", partner.my_space, name="my_space"),
]
