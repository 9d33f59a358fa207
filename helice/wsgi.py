"""WSGI entry point (gunicorn helice.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helice.settings")

application = get_wsgi_application()
