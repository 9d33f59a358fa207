from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from helice.api.api import api
from helice.core import views as core_views

urlpatterns = [
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("api/v1/", api.urls),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("comptes/", include("allauth.urls")),
    path("mon-espace/organisations/<slug:organization_slug>/dispositifs/", include("helice.guichet.urls_partner")),
    path("mon-espace/organisations/<slug:organization_slug>/agenda/", include("helice.agenda.urls_partner")),
    path("", include("helice.referrals.urls")),
    path("mon-espace/", include("helice.accounts.urls")),
    path("moderation/", include("helice.moderation.urls")),
    path("annuaire/", include("helice.directory.urls")),
    path("guichet/", include("helice.guichet.urls")),
    path("strategie/", include("helice.strategy.urls")),
    path("agenda/", include("helice.agenda.urls")),
    path("espaces/", include("helice.spaces.urls")),
    path("concertation/", include("helice.participation.urls")),
    path("", include("helice.core.urls")),
    prefix_default_language=False,
)
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
