from . import urls_partner, urls_profile

app_name = "accounts"

# Profile and personal data (urls_profile), then the partner space (urls_partner).
urlpatterns = [*urls_profile.urlpatterns, *urls_partner.urlpatterns]
