"""PostgreSQL: append an audit entry in one statement (lock the chain, read the last hash, chain, insert).

accounts.audit.record_event calls it; the hash is the one accounts.audit._chained computes in Python. Other
databases (the embedded SQLite default) have no such function and run the same steps from Python.
"""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CREATE = """
CREATE OR REPLACE FUNCTION accounts_audit_append(
    p_at timestamptz, p_actor_id bigint, p_actor_label text, p_action text, p_study_id bigint,
    p_target_type text, p_target_id text, p_ip inet, p_detail jsonb, p_digest text, p_lock bigint,
    OUT out_id bigint, OUT out_previous text, OUT out_hash text
) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    -- Held to the end of the caller's transaction: appends happen one at a time, in id order.
    PERFORM pg_advisory_xact_lock(p_lock);
    SELECT entry.entry_hash INTO out_previous FROM accounts_auditentry AS entry ORDER BY entry.id DESC LIMIT 1;
    out_previous := coalesce(out_previous, repeat('0', 64));
    out_hash := encode(sha256(convert_to(out_previous || p_digest, 'UTF8')), 'hex');
    INSERT INTO accounts_auditentry
        (at, actor_id, actor_label, action, study_id, target_type, target_id, ip_address, detail,
         previous_hash, entry_hash)
    VALUES
        (p_at, p_actor_id, p_actor_label, p_action, p_study_id, p_target_type, p_target_id, p_ip, p_detail,
         out_previous, out_hash)
    RETURNING id INTO out_id;
END
$$;
"""
DROP = (
    "DROP FUNCTION IF EXISTS accounts_audit_append"
    "(timestamptz, bigint, text, text, bigint, text, text, inet, jsonb, text, bigint)"
)


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_api_tokens")]

    operations = [migrations.RunPython(create, drop)]
