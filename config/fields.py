"""Model fields for direct identifiers: stored encrypted (config.crypto), read back as plain strings."""

from __future__ import annotations

from typing import Any

from django.db import models

from config.crypto import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):
    """Text encrypted at rest with the field keys. Not searchable: store a keyed hash beside it for lookups."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt_text(value) if value not in (None, "") else value

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return decrypt_text(value) if value not in (None, "") else value
