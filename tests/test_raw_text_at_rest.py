"""Raw transcript text is sealed in the database, redacted text stays plain and searchable, and `rotate_keys`
re-seals both raw text and free-text answers under a new key."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.functions import Length
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.models import User
from config import crypto
from config.fields import Plain
from exports.formats import words_from_json
from review.models import RedactedVersion
from review.selectors import redacted_segments_containing, visible_version
from review.services import redaction, versions
from review.services.errors import ReviewError
from review.tests.factories import machine_transcript
from studies.models import ContactDetails, Participant, Role, ScreeningResponse, Study
from studies.tests.factories import ParticipantFactory, QuestionnaireFactory
from transcription import services
from transcription.models import Recording, Segment, Transcript, TranscriptionJob, TranscriptVersion
from transcription.results import Segment as ResultSegment
from transcription.results import TranscriptionResult, Word
from transcription.tests.jobkit import consented_interview

pytestmark = pytest.mark.django_db

NAME = "Zanele Dlamini-Okafor"
TEXTS = [
    f"My name is {NAME} and I live near Hillcrest.",
    "I talked to the chatbot every night, ज़िंदगी was hard.",
    "Nothing personal here.",
]
OLD = "b2xkLWZpZWxkLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g="
NEW = "bmV3LWZpZWxkLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g="


@pytest.fixture(autouse=True)
def fresh_keys() -> Iterator[None]:
    crypto.reset_key_caches()
    yield
    crypto.reset_key_caches()


def use_keys(settings: SettingsWrapper, keys: list[str]) -> None:
    settings.FIELD_ENCRYPTION_KEYS = keys
    crypto.reset_key_caches()


def stored_segments(version: TranscriptVersion) -> list[tuple[str, str]]:
    """(text, words as JSON text) of each segment as PostgreSQL holds them, read without the model's fields."""
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT text, words::text FROM transcription_segment WHERE version_id = %s ORDER BY "index"', [version.pk]
        )
        return list(cursor.fetchall())


def stored_translation(version: TranscriptVersion) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT translation::text FROM transcription_transcriptversion WHERE id = %s", [version.pk])
        return str(cursor.fetchone()[0])


def person(study: Study) -> Participant:
    participant = ParticipantFactory(study=study)
    ContactDetails.objects.create(participant=participant, name=NAME, email="zanele@example.org")
    return participant


def redact_all(transcript: Transcript, user: User) -> TranscriptVersion:
    latest = versions.latest_version(transcript)
    assert latest is not None
    redaction.accept_undecided(version=latest, user=user)
    return redaction.redact_latest(transcript=transcript, base_number=latest.number, user=user)


def spoken(text: str, start: float) -> ResultSegment:
    words = tuple(Word(start + i * 0.5, start + i * 0.5 + 0.4, f" {w}", 0.9) for i, w in enumerate(text.split()))
    return ResultSegment(start, start + 3.0, text, "SPEAKER_1", "en", -0.2, 0.01, 1.2, words)


def test_a_machine_result_is_stored_sealed_and_read_back_in_plain() -> None:
    recording = Recording.objects.create(interview=consented_interview())
    job = services.claim_job(job_id=TranscriptionJob.objects.create(recording=recording).id, worker="w")
    assert job is not None
    segments = [spoken(text, 4.0 * i) for i, text in enumerate(TEXTS)]
    result = TranscriptionResult(segments, "en", 0.99, 12.0, "faster-whisper", "base", translation=segments[:1])
    assert services.save_result(job=job, result=result)

    version = TranscriptVersion.objects.get(transcript__recording=recording)
    stored = stored_segments(version)
    assert all("Dlamini" not in text and "Dlamini" not in words for text, words in stored)
    assert all("chatbot" not in text and "chatbot" not in words for text, words in stored)
    assert "Dlamini" not in stored_translation(version)
    assert version.text() == "\n".join(TEXTS)  # offsets stay code points of the same text
    assert Segment.objects.get(version=version, index=0).words[3]["text"] == " Zanele"
    assert TranscriptVersion.objects.get(pk=version.pk).translation[0]["text"] == TEXTS[0]
    # The raw export reads the words column as JSON text (exports.formats), sealed or not.
    assert [word.text for word in words_from_json(stored[1][1])][4:6] == [" chatbot", " every"]


def test_a_redacted_version_is_plain_in_the_database_and_found_by_search(study: Study, researcher: User) -> None:
    transcript = machine_transcript(study, TEXTS, participant=person(study))
    redacted = redact_all(transcript, researcher)
    raw = RedactedVersion.objects.get(version=redacted).source

    assert [text for text, _ in stored_segments(redacted)] == [
        "My name is [NAME-1] and I live near [PLACE-1].",  # the town too, found by the entity finder
        TEXTS[1],
        TEXTS[2],
    ]
    assert all(crypto.is_sealed(text) for text, _ in stored_segments(raw))
    found = redacted_segments_containing(study, "CHATBOT EVERY")
    assert [(segment.version_id, segment.index) for segment in found] == [(redacted.pk, 1)]
    assert not redacted_segments_containing(study, "Dlamini").exists()
    # Database-side reads of redacted text (the dashboard's agreement spans) count its code points.
    lengths = Segment.objects.filter(version=redacted).order_by("index").annotate(n=Length("text"))
    assert list(lengths.values_list("n", flat=True)) == [len(t) for t in redacted.text().split("\n")]
    coder_view = visible_version(transcript, Role.CODER)
    assert coder_view == redacted
    assert "[NAME-1]" in coder_view.text()


def test_an_edit_seals_the_segments_it_writes_and_copies_the_rest_as_stored(study: Study, researcher: User) -> None:
    transcript = machine_transcript(study, TEXTS, participant=person(study))
    redacted = redact_all(transcript, researcher)
    edited = versions.save_edits(
        transcript=transcript,
        base_number=redacted.number,
        ops=[{"op": "text", "index": 2, "text": f"Ask for {NAME} at the desk."}],
        author=researcher,
    )
    (first, _), (second, _), (third, _) = stored_segments(edited)
    assert crypto.is_sealed(third)
    assert "Dlamini" not in third
    assert (first, second) == ("My name is [NAME-1] and I live near [PLACE-1].", TEXTS[1])  # redacted text
    assert versions.rows_of(edited)[2]["text"] == f"Ask for {NAME} at the desk."
    assert visible_version(transcript, Role.CODER) == redacted  # an unredacted edit is never shown to coders


def test_text_holding_the_seal_mark_is_refused_by_the_editor_and_by_plain_writes(
    study: Study, researcher: User
) -> None:
    transcript = machine_transcript(study, TEXTS)
    with pytest.raises(ReviewError):
        versions.save_edits(
            transcript=transcript,
            base_number=1,
            ops=[{"op": "text", "index": 0, "text": crypto.seal("forged")}],
            author=researcher,
        )
    version = TranscriptVersion.objects.get(transcript=transcript)
    forged = Plain(crypto.seal("forged"))
    with pytest.raises(ValueError, match="seal mark"):
        Segment.objects.create(version=version, index=9, start=40, end=41, text=forged)  # type: ignore[misc]


def test_rotate_keys_re_seals_raw_text_and_free_text_answers_and_leaves_redacted_text_plain(
    settings: SettingsWrapper, study: Study, researcher: User
) -> None:
    use_keys(settings, [OLD])
    transcript = machine_transcript(study, TEXTS, participant=person(study))
    raw = TranscriptVersion.objects.get(transcript=transcript, number=1)
    TranscriptVersion.objects.filter(pk=raw.pk).update(translation=[{"text": f"I am {NAME}."}])
    redacted = redact_all(transcript, researcher)
    response = ScreeningResponse.objects.create(
        study=study,
        questionnaire=QuestionnaireFactory(study=study),
        participant=redacted.transcript.recording.interview.participant,
        form_token="rotate-1",
        language="en",
        answers={"city": "Hillcrest", "age": "29"},
        attributes={"age": "29"},
        started_at=raw.created_at,
        submitted_at=raw.created_at,
    )
    before = (stored_segments(raw), stored_translation(raw), stored_segments(redacted), stored_answers(response))

    use_keys(settings, [NEW, OLD])
    out = io.StringIO()
    call_command("rotate_keys", "--skip-media", stdout=out)
    assert "Sealed values re-encrypted: 8" in out.getvalue()  # 3 texts, 3 word lists, 1 translation, 1 answer set

    use_keys(settings, [NEW])
    after = (stored_segments(raw), stored_translation(raw), stored_segments(redacted), stored_answers(response))
    assert raw.text() == "\n".join(TEXTS)
    assert TranscriptVersion.objects.get(pk=raw.pk).translation == [{"text": f"I am {NAME}."}]
    assert ScreeningResponse.objects.get(pk=response.pk).answers == {"city": "Hillcrest", "age": "29"}
    assert all(old != new for old, new in zip(before[0], after[0], strict=True))
    assert before[1] != after[1]
    assert before[3] != after[3]
    assert before[2] == after[2]  # plain redacted text is left as it is

    use_keys(settings, [OLD])
    with pytest.raises(crypto.DecryptionError):
        raw.text()  # nothing sealed under the old key is left


def stored_answers(response: ScreeningResponse) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers::text FROM studies_screeningresponse WHERE id = %s", [response.pk])
        return str(cursor.fetchone()[0])
