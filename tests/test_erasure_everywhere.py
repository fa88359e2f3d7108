"""After a delete-everything withdrawal, none of the person's data is left in any store: a dump of the whole
PostgreSQL database (pg_dump, committed data), every file in media storage and every export, decrypted, hold
none of the words, names and addresses that were there before. The pseudonym stays, as the tombstone."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import User
from config.crypto import keyed_hash
from config.fields import Plain
from config.media import open_decrypted, save_encrypted, walk_media
from exports.tests.kit import built, member_bytes
from studies.models import ContactDetails, Participant, Study
from studies.services.withdrawal import withdraw_participant
from studies.tests.factories import ParticipantFactory
from tests.exportkit import make_transcript, screen
from transcription.models import MediaFile, Segment
from transcription.tests.jobkit import private_media

__all__ = ["private_media"]
# Committed rows: pg_dump reads from its own connection, which sees no test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

NAME, EMAIL = "Nadia Quillhaddad", "nadia.quillhaddad@example.org"
STORY = "Zorblat helped me through the winter of sleepless nights"
RAW = ("My name is Nadia Quillhaddad and I live in Tripoli.", "Vexmoor listened when my brother died.")
REDACTED = ("My name is [NAME-2] and I live in [PLACE-2].", "Vexmoor listened when my brother died.")
VOICE = b"RIFF-synthetic-voice-of-nadia-quillhaddad"
TRACES = [NAME, EMAIL, STORY, "Tripoli", "Vexmoor listened", "Quillhaddad"]


def dump_database() -> str:
    database = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": database["PASSWORD"] or ""}
    command = ["pg_dump", "--data-only", "--no-owner", "-h", database["HOST"], "-p", str(database["PORT"] or 5432)]
    done = subprocess.run(
        [*command, "-U", database["USER"], database["NAME"]], env=env, capture_output=True, timeout=120, check=True
    )
    return done.stdout.decode("utf-8", errors="replace")


def stored_plaintext() -> bytes:
    """Every file in media storage, decrypted, and ZIP members opened: what a search of the stores must read."""
    texts = []
    for name in walk_media():
        with open_decrypted(name) as reader:
            data = reader.read()
        texts.append(member_bytes(data) if data.startswith(b"PK\x03\x04") else data)
    return b"\n".join(texts)


def traces_in(text: str | bytes) -> list[str]:
    haystack = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
    return [trace for trace in TRACES if trace in haystack]


def test_after_an_erasure_no_store_holds_the_persons_data(study: Study, owner: User, private_media: Path) -> None:
    person = ParticipantFactory(study=study, code="P-GONE")
    ContactDetails.objects.create(participant=person, name=NAME, email=EMAIL, email_hash=keyed_hash(EMAIL))
    response = screen(person, {"chatbot": "replika"})
    response.answers = {**response.answers, "story": STORY}  # a free-text answer: in `answers` only, sealed
    response.save(update_fields=["answers"])
    transcript = make_transcript(study, participant=person, raw=RAW, redacted=REDACTED)
    for segment in Segment.objects.filter(version__transcript=transcript, version__number=2):
        segment.text = Plain(segment.text)  # type: ignore[assignment]  # as a redaction pass stores it: plaintext
        segment.save(update_fields=["text"])
    name = save_encrypted(name=f"recordings/{transcript.recording_id}/voice.wav", source=io.BytesIO(VOICE))
    MediaFile.objects.create(
        recording=transcript.recording, storage_name=name, byte_size=len(VOICE), sha256="0" * 64, duration=2.0,
        channels=1, sample_rate=16000, codec="pcm_s16le", container="wav",
    )  # fmt: skip
    built(study, owner)
    before_dump, before_files = dump_database(), stored_plaintext()
    assert traces_in(before_dump) == ["Vexmoor listened"]  # the redacted words; all else is encrypted at rest
    assert VOICE in before_files
    assert "Vexmoor listened" in traces_in(before_files)  # in the archive

    withdraw_participant(participant=person, scope=Participant.WithdrawalScope.DELETE_ALL)

    assert traces_in(dump_database()) == []
    after_files = stored_plaintext()
    assert traces_in(after_files) == []
    assert VOICE not in after_files
    assert Participant.objects.filter(code="P-GONE", status=Participant.Status.WITHDRAWN).exists()  # the tombstone
