"""The audit trail becomes one plain insert per entry, sealed later into a keyed chain (accounts/audit.py).

- The PostgreSQL function `accounts_audit_append` (0004) goes: nothing appends under a lock any more.
- AuditEntry gains its place in the chain (`seal_seq`) and the id of the key that sealed it (`key_id`); the two
  hashes are empty until it is sealed.
- Entries already there keep their unkeyed hashes, which stay verifiable the old way: they get places 1..n in id
  order (the order they were chained in, under the old lock), an empty key id, and after them an unsealed entry
  `audit.chain.keyed` that marks the boundary; the first keyed seal covers the last unkeyed hash, so from then on
  they cannot be rewritten without the key either.

Before upgrading, run the old `manage.py verify_audit_log` once: it chains the token uses still waiting in Redis,
which nothing reads any more. Going back is refused once keyed entries exist.
"""

from __future__ import annotations

import importlib

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.state import StateApps
from django.utils import timezone

DROP_APPEND_FUNCTION = (
    "DROP FUNCTION IF EXISTS accounts_audit_append"
    "(timestamptz, bigint, text, text, bigint, text, text, inet, jsonb, text, bigint)"
)
BATCH = 1000


def drop_append_function(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_FUNCTION)


def recreate_append_function(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(importlib.import_module("accounts.migrations.0004_audit_append_function").CREATE)


def place_unkeyed_entries(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    entry_model = apps.get_model("accounts", "AuditEntry")
    ids = list(entry_model.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = [
            entry_model(pk=pk, seal_seq=start + offset + 1) for offset, pk in enumerate(ids[start : start + BATCH])
        ]
        entry_model.objects.bulk_update(batch, ["seal_seq"])


def unplace_entries(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    entry_model = apps.get_model("accounts", "AuditEntry")
    if entry_model.objects.exclude(key_id="").exists():
        # Their key ids and places would go, and nothing could verify them again.
        raise IrreversibleError("Keyed audit entries exist: the audit trail cannot go back to the unkeyed chain.")
    entry_model.objects.update(seal_seq=None)


def mark_boundary(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Last: an insert leaves PostgreSQL's deferred foreign-key checks pending, which would refuse a later ALTER TABLE.
    entry_model = apps.get_model("accounts", "AuditEntry")
    unkeyed = entry_model.objects.exclude(seal_seq=None).count()
    if unkeyed:
        entry_model.objects.create(
            at=timezone.now(), actor_label="system", action="audit.chain.keyed", detail={"unkeyed_entries": unkeyed}
        )


def unmark_boundary(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("accounts", "AuditEntry").objects.filter(action="audit.chain.keyed", seal_seq=None).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_recovery_codes")]

    operations = [
        migrations.RunPython(drop_append_function, recreate_append_function),
        migrations.AddField(
            model_name="auditentry",
            name="seal_seq",
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(blank=True, editable=False, max_length=16),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="previous_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="entry_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(place_unkeyed_entries, unplace_entries),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(
                condition=models.Q(entry_hash="", key_id="", previous_hash="", seal_seq=None)
                | (models.Q(seal_seq__gte=1) & ~models.Q(previous_hash="") & ~models.Q(entry_hash="")),
                name="audit_entry_sealed_whole_or_not_at_all",
            ),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(condition=models.Q(seal_seq=None), fields=["id"], name="audit_entry_unsealed"),
        ),
        migrations.CreateModel(
            name="AuditSealLock",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ],
            options={
                "constraints": [models.CheckConstraint(condition=models.Q(id=1), name="audit_seal_lock_is_one_row")],
            },
        ),
        migrations.RunPython(mark_boundary, unmark_boundary),
    ]
