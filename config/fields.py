"""Model fields for direct identifiers and raw text: stored encrypted (config.crypto), read back as plain values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import models

from config.crypto import decrypt_text, encrypt_text, is_sealed, seal, unseal


class EncryptedTextField(models.TextField):
    """Text encrypted at rest with the field keys. Not searchable: store a keyed hash beside it for lookups."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt_text(value) if value not in (None, "") else value

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return decrypt_text(value) if value not in (None, "") else value


@dataclass(frozen=True)
class Plain:
    """A value a sealed field stores as it is: text that came out of a redaction pass (review) and may be read
    and searched in the database. Anything not wrapped is sealed."""

    value: Any


def _refuse_sealed_look(value: Any) -> None:
    if isinstance(value, str) and is_sealed(value):
        raise ValueError("Plaintext may not start with the seal mark (a Unicode noncharacter).")


class SealedTextField(models.TextField):
    """Text sealed at rest with the field keys unless written as `Plain(text)`; each value says which it is, so
    one column holds both and every read through the model gives plaintext. Only plain values are searchable,
    and database functions (Length, icontains) see a sealed value's token, not its text."""

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Plain):
            text = super().get_prep_value(value.value)
            _refuse_sealed_look(text)
            return text
        value = super().get_prep_value(value)
        return seal(value) if value not in (None, "") else value

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return unseal(value) if value is not None and is_sealed(value) else value


class SealedJSONField(models.JSONField):
    """JSON sealed at rest unless written as `Plain(value)`: a sealed value is stored as a JSON string (the
    sealed JSON text), a plain one as itself. Reads through the model give the value either way; key lookups
    and containment work on plain values only."""

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Plain):
            _refuse_sealed_look(value.value)
            return super().get_prep_value(value.value)
        value = super().get_prep_value(value)
        if value is None or hasattr(value, "as_sql"):
            return value
        return seal(json.dumps(value, cls=self.encoder, ensure_ascii=False))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, str) and is_sealed(value):
            return json.loads(unseal(value), cls=self.decoder)
        return value
