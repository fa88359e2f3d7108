"""`rotate_keys` moves encrypted fields and media to the newest key; old data stays readable until then."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from pytest_django.fixtures import Settings as SettingsWrapper

from config import crypto
from config.media import delete_media, open_decrypted, save_encrypted
from studies.models import ContactDetails
from studies.tests.factories import ParticipantFactory

OLD = "b2xkLWZpZWxkLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g="
NEW = "bmV3LWZpZWxkLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g="


@pytest.fixture(autouse=True)
def fresh_keys() -> Iterator[None]:
    crypto.reset_key_caches()
    yield
    crypto.reset_key_caches()


def use_keys(settings: SettingsWrapper, keys: list[str]) -> None:
    settings.FIELD_ENCRYPTION_KEYS = keys
    settings.MEDIA_ENCRYPTION_KEYS = keys
    crypto.reset_key_caches()


@pytest.mark.django_db
def test_it_re_encrypts_fields_and_media_under_the_new_key(settings: SettingsWrapper, tmp_path: object) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    use_keys(settings, [OLD])
    contact = ContactDetails.objects.create(participant=ParticipantFactory(), email="amina@example.org")
    audio = os.urandom(150_000)
    name = save_encrypted(name="recordings/a.enc", source=io.BytesIO(audio))

    use_keys(settings, [NEW, OLD])
    assert ContactDetails.objects.get(pk=contact.pk).email == "amina@example.org"
    call_command("rotate_keys", stdout=io.StringIO())

    use_keys(settings, [NEW])
    assert ContactDetails.objects.get(pk=contact.pk).email == "amina@example.org"
    with open_decrypted(name) as reader:
        assert reader.read() == audio
    with connection.cursor() as cursor:
        cursor.execute("SELECT email FROM studies_contactdetails WHERE id = %s", [contact.pk])
        assert "amina" not in cursor.fetchone()[0]
    delete_media(name)
