"""The portal's URLs plus ``/bench/ping``, a trivial view that goes through the
whole middleware stack and nothing else: the ceiling a real page is compared to.
Only reachable with ``DJANGO_SETTINGS_MODULE=bench.settings_bench``."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from helice.urls import urlpatterns as helice_urlpatterns


@require_GET
def ping(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/ping", ping, name="bench-ping"), *helice_urlpatterns]
