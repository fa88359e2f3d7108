"""Re-encrypt data under the current (first) keys after a new key was put in front of the key lists."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from django.db.models.functions import Cast
from tqdm import tqdm

from config import crypto
from config.fields import EncryptedTextField, SealedJSONField, SealedTextField
from config.media import rewrap_media, walk_media

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields and re-wrap media file keys under the current keys."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skip-media", action="store_true")
        parser.add_argument("--skip-fields", action="store_true")

    def handle(self, *args: Any, skip_media: bool = False, skip_fields: bool = False, **options: Any) -> None:
        crypto.reset_key_caches()
        if not skip_fields:
            self.stdout.write(f"Fields re-encrypted: {self._rotate_fields()}")
            self.stdout.write(f"Sealed values re-encrypted: {self._rotate_sealed()}")
        if not skip_media:
            names = list(walk_media())
            moved = sum(rewrap_media(name) for name in tqdm(names, desc="media", unit="file", disable=not names))
            self.stdout.write(f"Media files re-wrapped: {moved} of {len(names)}")

    def _rotate_fields(self) -> int:
        count = 0
        for model in apps.get_models():
            fields = [field.attname for field in model._meta.fields if isinstance(field, EncryptedTextField)]
            if not fields:
                continue
            # Values come back decrypted with whichever key fits; writing them again encrypts with the first key.
            rows = model._default_manager.values_list("pk", *fields)
            for pk, *values in tqdm(rows.iterator(), desc=model._meta.label, unit="row"):
                with transaction.atomic():
                    model._default_manager.filter(pk=pk).update(**dict(zip(fields, values, strict=True)))
                count += 1
        return count

    def _rotate_sealed(self) -> int:
        count = 0
        for model in apps.get_models():
            for field in model._meta.fields:
                if isinstance(field, SealedTextField | SealedJSONField):
                    count += _reseal(model, field)
        return count


def _is_sealed(field: models.Field[Any, Any], stored: str | None) -> bool:
    """Whether the value as stored (the column read as text) is sealed. Plain values (a redacted version's text)
    must stay plain, so they are told apart by their stored form; a JSON column holds a sealed value as a JSON
    string, which SQLite keeps with its escapes and PostgreSQL without."""
    if stored is None:
        return False
    if isinstance(field, SealedJSONField):
        decoded = json.loads(stored)
        return isinstance(decoded, str) and crypto.is_sealed(decoded)
    return crypto.is_sealed(stored)


def _reseal(model: type[models.Model], field: models.Field[Any, Any]) -> int:
    """Read each sealed value (decrypted with whichever key fits) and write it back (sealed with the first key),
    a batch per transaction with its rows locked, so a concurrent write is never overwritten with older data."""
    rows = model._default_manager.annotate(stored_form=Cast(field.name, models.TextField())).order_by("pk")
    count, last = 0, None
    with tqdm(desc=f"{model._meta.label}.{field.name}", unit="row") as progress:
        while True:
            batch = rows.filter(pk__gt=last) if last is not None else rows
            with transaction.atomic():
                found = list(batch.select_for_update().values_list("pk", field.attname, "stored_form")[:BATCH])
                sealed = [
                    model(pk=pk, **{field.attname: value}) for pk, value, stored in found if _is_sealed(field, stored)
                ]
                model._default_manager.bulk_update(sealed, [field.name])
            if not found:
                return count
            count, last = count + len(sealed), found[-1][0]
            progress.update(len(found))
