from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.HELICE_SITE_NAME}
