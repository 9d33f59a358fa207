"""The unsubscribe link's token is no longer stored in clear: each row keeps a
random nonce (the token is its HMAC under SECRET_KEY) and the token's hash
(core/tokens.py). Links in e-mails sent before this migration stop working;
the next e-mail carries the new one."""

from django.db import migrations, models

import helice.core.tokens

SALT = "helice.participation.ParticipationSettings"


def fill(apps, schema_editor):
    Settings = apps.get_model("participation", "ParticipationSettings")
    for row in Settings.objects.all().only("pk"):
        nonce = helice.core.tokens.new_nonce()
        token_hash = helice.core.tokens.hash_token(helice.core.tokens.make_token(SALT, nonce))
        Settings.objects.filter(pk=row.pk).update(token_nonce=nonce, token_hash=token_hash)


def fill_clear_tokens(apps, schema_editor):
    """Going back: a token of its own for each row (the former default)."""
    import secrets

    Settings = apps.get_model("participation", "ParticipationSettings")
    for row in Settings.objects.filter(unsubscribe_token__isnull=True).only("pk"):
        Settings.objects.filter(pk=row.pk).update(unsubscribe_token=secrets.token_urlsafe(32))


class Migration(migrations.Migration):
    dependencies = [("participation", "0005_opinion_functions")]

    operations = [
        migrations.AddField(
            model_name="participationsettings",
            name="token_nonce",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="participationsettings",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="participationsettings",
            name="token_nonce",
            field=models.CharField(default=helice.core.tokens.new_nonce, editable=False, max_length=32, unique=True),
        ),
        migrations.AlterField(
            model_name="participationsettings",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        # Reversible: going back re-adds a nullable column, fills each row with its own
        # token, then the column's former constraint comes back.
        migrations.AlterField(
            model_name="participationsettings",
            name="unsubscribe_token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(migrations.RunPython.noop, fill_clear_tokens),
        migrations.RemoveField(model_name="participationsettings", name="unsubscribe_token"),
    ]
