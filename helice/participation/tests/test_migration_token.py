"""Migration 0006: existing notification settings get a nonce and the hash of the
token it makes; the clear token column is gone."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from helice.accounts.tests.factories import UserFactory
from helice.core import tokens


@pytest.mark.django_db(transaction=True)
def test_existing_settings_get_a_hashed_token():
    executor = MigrationExecutor(connection)
    before = [("participation", "0005_opinion_functions")]
    after = [("participation", "0006_settings_token_hash")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    user = UserFactory()  # the accounts' tables are at their latest state
    old_apps.get_model("participation", "ParticipationSettings").objects.create(
        user_id=user.pk, frequency="daily", unsubscribe_token="clair-et-visible"
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new_apps = executor.loader.project_state(after).apps
    row = new_apps.get_model("participation", "ParticipationSettings").objects.get(user_id=user.pk)
    token = tokens.make_token("helice.participation.ParticipationSettings", row.token_nonce)
    assert row.token_hash == tokens.hash_token(token) and row.frequency == "daily"
    columns = [c.name for c in connection.introspection.get_table_description(connection.cursor(), row._meta.db_table)]
    assert "unsubscribe_token" not in columns
    # And back again: each row gets a clear token of its own (two rows: no unique clash).
    ParticipationSettings = new_apps.get_model("participation", "ParticipationSettings")
    ParticipationSettings.objects.create(user_id=UserFactory().pk, token_nonce="n2", token_hash="h2")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    tokens_back = list(
        old_apps.get_model("participation", "ParticipationSettings").objects.values_list("unsubscribe_token", flat=True)
    )
    assert len(tokens_back) == 2 and len(set(tokens_back)) == 2 and all(tokens_back)
    # Back to the latest state for the other tests.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
