"""The opinion write as one statement on PostgreSQL: two PL/pgSQL functions that
take the proposal's row lock, check its state, then read and write the person's
opinion and move the counters (services._opinion_set_sql). In READ COMMITTED each
statement inside a volatile function takes a new snapshot, so the statements after
the lock see every write serialised before it, as the ORM path's do; one call is
one round trip and its own transaction, instead of BEGIN, the lock, the write and
COMMIT. Nothing on SQLite, where the ORM path is used."""

from django.db import migrations

COUNTERS = ", ".join(
    f"{value}_count = {value}_count + (p_value = '{value}')::int - (v_old IS NOT DISTINCT FROM '{value}')::int"
    for value in ("agree", "mixed", "disagree")
)
WITHDRAWN = ", ".join(
    f"{value}_count = {value}_count - (v_old = '{value}')::int" for value in ("agree", "mixed", "disagree")
)

LOCK = """
    SELECT p.state, p.consultation_id INTO v_state, v_consultation
      FROM participation_proposal p WHERE p.id = p_proposal FOR UPDATE;
    IF NOT FOUND OR v_consultation <> p_consultation OR NOT (v_state = ANY (p_states)) THEN
        RETURN;  -- no row: the caller takes the ORM path, which says why
    END IF;
"""

CREATE = f"""
CREATE OR REPLACE FUNCTION helice_opinion_set(
    p_proposal bigint, p_consultation bigint, p_user bigint, p_value text, p_category text,
    p_now timestamptz, p_states text[]
) RETURNS TABLE (
    agree integer, mixed integer, disagree integer, opinion_id bigint,
    previous_value text, previous_category text, opinion_created timestamptz, opinion_updated timestamptz
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_state text; v_consultation bigint; v_id bigint; v_old text; v_old_category text;
    v_created timestamptz; v_updated timestamptz;
BEGIN
{LOCK}
    SELECT o.id, o.value, o.participant_category, o.created_at, o.updated_at
      INTO v_id, v_old, v_old_category, v_created, v_updated
      FROM participation_opinion o WHERE o.proposal_id = p_proposal AND o.user_id = p_user;
    IF v_id IS NULL THEN
        INSERT INTO participation_opinion (proposal_id, user_id, value, participant_category, created_at, updated_at)
        VALUES (p_proposal, p_user, p_value, p_category, p_now, p_now) RETURNING id INTO v_id;
    ELSIF v_old <> p_value THEN
        UPDATE participation_opinion SET value = p_value, participant_category = p_category, updated_at = p_now
         WHERE id = v_id;
    END IF;
    IF v_old IS DISTINCT FROM p_value THEN
        UPDATE participation_proposal SET {COUNTERS} WHERE id = p_proposal;
    END IF;
    RETURN QUERY SELECT p.agree_count::integer, p.mixed_count::integer, p.disagree_count::integer, v_id, v_old,
        v_old_category, v_created, v_updated FROM participation_proposal p WHERE p.id = p_proposal;
END $$;

CREATE OR REPLACE FUNCTION helice_opinion_withdraw(
    p_proposal bigint, p_consultation bigint, p_user bigint, p_states text[]
) RETURNS TABLE (agree integer, mixed integer, disagree integer, previous_value text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_state text; v_consultation bigint; v_old text;
BEGIN
{LOCK}
    DELETE FROM participation_opinion WHERE proposal_id = p_proposal AND user_id = p_user RETURNING value INTO v_old;
    IF v_old IS NOT NULL THEN
        UPDATE participation_proposal SET {WITHDRAWN} WHERE id = p_proposal;
    END IF;
    RETURN QUERY SELECT p.agree_count::integer, p.mixed_count::integer, p.disagree_count::integer, v_old
        FROM participation_proposal p WHERE p.id = p_proposal;
END $$;
"""  # noqa: S608 - column names from the constants above, no input

DROP = """
DROP FUNCTION IF EXISTS helice_opinion_set(bigint, bigint, bigint, text, text, timestamptz, text[]);
DROP FUNCTION IF EXISTS helice_opinion_withdraw(bigint, bigint, bigint, text[]);
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("participation", "0004_consultation_list_version")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
