"""The data migrations seal rows written before encryption at rest (raw segments, translations, answers) and
leave redacted text plain; their reverse gives back the rows as they were."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from config import crypto

BEFORE = [
    ("studies", "0010_questionnaire_notice"),
    ("transcription", "0004_voice_answers"),
    ("review", "0002_tag_original_blank"),
]
WHEN = datetime(2026, 1, 5, tzinfo=UTC)


def migrate(targets: list[tuple[str, str]] | None = None) -> Any:
    """Migrate to `targets` (every app's latest when None) and return the apps as of then."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_schema(transactional_db: None) -> Iterator[Any]:
    apps = migrate(BEFORE)
    yield apps
    migrate()


def old_rows(apps: Any) -> dict[str, int]:
    """A study as it was stored before: a raw version with a translation, its redacted form, and free text."""
    get = apps.get_model
    study = get("studies", "Study").objects.create(title="Old", slug="old-study")
    participant = get("studies", "Participant").objects.create(study=study, code="P-OLD1")
    questionnaire = get("studies", "Questionnaire").objects.create(study=study)
    get("studies", "Question").objects.create(questionnaire=questionnaire, key="city", kind="short_text")
    get("studies", "Question").objects.create(questionnaire=questionnaire, key="country", kind="country")
    answers = {"city": "Hillcrest Vale", "country": "ZA"}
    response = get("studies", "ScreeningResponse").objects.create(
        study=study,
        questionnaire=questionnaire,
        participant=participant,
        form_token="old-1",
        language="en",
        answers=answers,
        attributes={**answers, "region": "africa"},
        started_at=WHEN,
        submitted_at=WHEN,
    )
    interview = get("studies", "Interview").objects.create(study=study, participant=participant)
    recording = get("transcription", "Recording").objects.create(interview=interview)
    transcript = get("transcription", "Transcript").objects.create(recording=recording, language="en")
    Version, Segment = get("transcription", "TranscriptVersion"), get("transcription", "Segment")
    raw = Version.objects.create(transcript=transcript, number=1, is_machine=True, translation=[{"text": "Thandi"}])
    redacted = Version.objects.create(transcript=transcript, number=2)
    words = [{"start": 0.0, "end": 0.5, "text": " Thandi", "probability": 0.9}]
    Segment.objects.create(version=raw, index=0, start=0, end=1, text="I am Thandi.", words=words)
    Segment.objects.create(version=redacted, index=0, start=0, end=1, text="I am [NAME-1].", words=[])
    get("review", "RedactedVersion").objects.create(version=redacted, source=raw)
    return {"raw": raw.pk, "redacted": redacted.pk, "response": response.pk}


def stored(rows: dict[str, int]) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version_id, text, words::text FROM transcription_segment")
        segments = {version: (text, words) for version, text, words in cursor.fetchall()}
        cursor.execute("SELECT translation::text FROM transcription_transcriptversion WHERE id = %s", [rows["raw"]])
        translation = cursor.fetchone()[0]
        cursor.execute(
            "SELECT answers::text, attributes::text FROM studies_screeningresponse WHERE id = %s", [rows["response"]]
        )
        answers, attributes = cursor.fetchone()
    return {
        "raw text": segments[rows["raw"]][0],
        "raw words": segments[rows["raw"]][1],
        "redacted text": segments[rows["redacted"]][0],
        "translation": translation,
        "answers": answers,
        "attributes": attributes,
    }


def test_the_migrations_seal_old_rows_and_their_reverse_unseals_them(old_schema: Any) -> None:
    rows = old_rows(old_schema)

    apps = migrate()
    sealed = stored(rows)
    assert all("Thandi" not in sealed[key] for key in ("raw text", "raw words", "translation"))
    assert crypto.is_sealed(sealed["raw text"])
    assert sealed["redacted text"] == "I am [NAME-1]."
    assert "Hillcrest" not in sealed["answers"] + sealed["attributes"]
    assert '"ZA"' in sealed["attributes"]  # closed answers stay plain
    Segment = apps.get_model("transcription", "Segment")
    assert Segment.objects.get(version_id=rows["raw"]).words[0]["text"] == " Thandi"
    response = apps.get_model("studies", "ScreeningResponse").objects.get(pk=rows["response"])
    assert response.answers == {"city": "Hillcrest Vale", "country": "ZA"}

    migrate(BEFORE)
    plain = stored(rows)
    assert plain["raw text"] == "I am Thandi."
    assert '" Thandi"' in plain["raw words"]
    assert '"Thandi"' in plain["translation"]
    assert '"Hillcrest Vale"' in plain["answers"]
    assert '"city": "Hillcrest Vale"' in plain["attributes"]
