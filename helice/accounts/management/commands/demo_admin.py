"""Tell the person running `make run` how to log into the admin.

On a database without any superuser, create one named ``admin`` with a random
password printed once to the terminal (it is stored nowhere but, hashed, in the
local database). Nothing secret is ever written to the repository."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a local superuser with a random password if none exists, and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args, **options):
        User = get_user_model()
        url = options["url"]
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                f"Admin: {url} — log in with your superuser "
                "(forgot the password? .venv/bin/python manage.py changepassword admin)"
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username="admin", email=None, password=password)
        self.stdout.write(self.style.SUCCESS(f"Admin: {url} — username: admin, password: {password}"))
        self.stdout.write(
            "This password is shown once; change it with: .venv/bin/python manage.py changepassword admin"
        )
