"""Re-encrypt data under the current (first) keys after a new key was put in front of the key lists."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from tqdm import tqdm

from config import crypto
from config.fields import EncryptedTextField
from config.media import rewrap_media, walk_media


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields and re-wrap media file keys under the current keys."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skip-media", action="store_true")
        parser.add_argument("--skip-fields", action="store_true")

    def handle(self, *args: Any, skip_media: bool = False, skip_fields: bool = False, **options: Any) -> None:
        crypto.reset_key_caches()
        if not skip_fields:
            self.stdout.write(f"Fields re-encrypted: {self._rotate_fields()}")
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
