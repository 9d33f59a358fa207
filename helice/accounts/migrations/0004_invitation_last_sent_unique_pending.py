import django.db.models.functions.text
from django.db import migrations, models


def withdraw_duplicate_pending_invitations(apps, schema_editor):
    """Before the constraint: of several pending invitations of one organisation to one
    address (any case), keep the newest pending and withdraw the others."""
    Invitation = apps.get_model("accounts", "Invitation")
    seen = set()
    for invitation in Invitation.objects.filter(status="pending").order_by("-created_at", "-id"):
        key = (invitation.organization_id, invitation.email.lower())
        if key in seen:
            Invitation.objects.filter(pk=invitation.pk).update(status="withdrawn")
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_memberships"),
        ("directory", "0005_trusted_partner"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="last_sent_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Empty when the e-mail with the current link could not be sent: resend it from the members page.",
                null=True,
                verbose_name="link last e-mailed on",
            ),
        ),
        migrations.RunPython(withdraw_duplicate_pending_invitations, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                models.F("organization"),
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("status", "pending")),
                name="unique_pending_invitation",
            ),
        ),
    ]
