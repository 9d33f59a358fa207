from . import urls_members, urls_partner, urls_profile

app_name = "accounts"

# Profile and personal data, memberships (my space, members, join requests,
# invitations), then the partner's editing of its organisations' content.
urlpatterns = [*urls_profile.urlpatterns, *urls_members.urlpatterns, *urls_partner.urlpatterns]
