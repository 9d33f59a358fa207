"""Full-text index on the search document, on PostgreSQL only (SQLite scans it
with LIKE; see helice.core.search)."""

from django.db import migrations

INDEX = "directory_organization_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON directory_organization "
            "USING gin (to_tsvector('simple'::regconfig, search_document))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
