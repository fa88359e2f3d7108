"""Seal the text and words of every segment that is not part of a redacted version (raw text), in batches.

Redacted versions' segments stay plaintext: coders, exports and database-side reads use them. The reverse
writes every segment back as plaintext.
"""

import config.fields
from django.db import migrations, transaction

BATCH = 500


def _rewrite(apps, segments, wrap):
    Segment = apps.get_model("transcription", "Segment")
    last = 0
    while True:
        with transaction.atomic():
            # Read through the fields (plaintext whichever form is stored), written back sealed or plain.
            rows = segments.filter(pk__gt=last).order_by("pk").select_for_update(of=("self",))
            batch = list(rows.values_list("pk", "text", "words")[:BATCH])
            Segment.objects.bulk_update(
                [Segment(pk=pk, text=wrap(text), words=wrap(words)) for pk, text, words in batch], ["text", "words"]
            )
        if not batch:
            return
        last = batch[-1][0]


def seal_raw_segments(apps, schema_editor):
    Segment = apps.get_model("transcription", "Segment")
    _rewrite(apps, Segment.objects.filter(version__redaction__isnull=True), lambda value: value)


def unseal_segments(apps, schema_editor):
    Segment = apps.get_model("transcription", "Segment")
    _rewrite(apps, Segment.objects.all(), config.fields.Plain)


class Migration(migrations.Migration):
    # Each batch commits on its own, so a large table is not rewritten in one transaction; a rerun after a
    # failure seals again what is already sealed, which changes nothing but the ciphertext.
    atomic = False

    dependencies = [
        ("review", "0002_tag_original_blank"),
        ("transcription", "0005_encrypt_raw_text"),
    ]

    operations = [migrations.RunPython(seal_raw_segments, unseal_segments, elidable=False)]
