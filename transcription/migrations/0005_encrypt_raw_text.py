"""Segment text and words and the translation layer become sealed fields (config.fields).

The columns keep their types; only the translation layer is sealed here, in batches. Which segments stay
plaintext (those of redacted versions) is the review app's knowledge, so review/0003 seals the rest.
"""

import config.fields
from django.db import migrations, transaction

BATCH = 500


def _rewrite_translations(apps, wrap):
    TranscriptVersion = apps.get_model("transcription", "TranscriptVersion")
    rows = TranscriptVersion.objects.filter(translation__isnull=False).order_by("pk")
    last = 0
    while True:
        with transaction.atomic():
            # Read through the field (plaintext whichever form is stored), written back sealed or plain.
            batch = list(rows.filter(pk__gt=last).select_for_update().values_list("pk", "translation")[:BATCH])
            TranscriptVersion.objects.bulk_update(
                [TranscriptVersion(pk=pk, translation=wrap(value)) for pk, value in batch], ["translation"]
            )
        if not batch:
            return
        last = batch[-1][0]


def seal_translations(apps, schema_editor):
    _rewrite_translations(apps, lambda value: value)


def unseal_translations(apps, schema_editor):
    _rewrite_translations(apps, config.fields.Plain)


class Migration(migrations.Migration):
    # Each batch commits on its own, so a large table is not rewritten in one transaction; a rerun after a
    # failure seals again what is already sealed, which changes nothing but the ciphertext.
    atomic = False

    dependencies = [
        ("transcription", "0004_voice_answers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="segment",
            name="text",
            field=config.fields.SealedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="segment",
            name="words",
            field=config.fields.SealedJSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name="transcriptversion",
            name="translation",
            field=config.fields.SealedJSONField(blank=True, null=True),
        ),
        migrations.RunPython(seal_translations, unseal_translations, elidable=False),
    ]
