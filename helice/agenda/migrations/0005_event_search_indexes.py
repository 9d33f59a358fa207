"""Indexes for 50,000 events (docs/benchmarks.md, "Agenda"): the soonest
upcoming events in start order, and the full-text index on the search document
on PostgreSQL only (SQLite scans it with LIKE; see helice.core.search)."""

from django.db import migrations, models

SEARCH_INDEX = "agenda_event_search_gin"


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON agenda_event "
            "USING gin (to_tsvector('simple'::regconfig, search_document))"
        )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("agenda", "0004_feed_kind_and_report"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["status", "starts_at", "ends_at"], name="agenda_event_soonest"),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
