"""Test data for the API, REFI-QDA and archive tests: transcripts with a raw and a redacted version.

The review app decides which version a role reads (`review.selectors.visible_version`). Where that app is not
installed, `install_review_stand_in` puts a stand-in in its place with the documented rule: owners and researchers
get the raw machine version, everyone else the latest (redacted) version of an approved transcript.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from studies.models import Interview, Participant, Question, Questionnaire, ScreeningResponse, Study
from studies.permissions import MANAGERS
from studies.tests.factories import InterviewFactory, ParticipantFactory
from transcription.archive import sources
from transcription.models import Recording, Segment, Transcript, TranscriptVersion

RAW = ("Hello, I am Maria Lopez from Quito.", "I use the chatbot 😀 every night.")
REDACTED = ("Hello, I am [NAME-1] from [PLACE-1].", "I use the chatbot 😀 every night.")
READABLE = {Transcript.State.APPROVED, Transcript.State.IN_CODING, Transcript.State.CODED}


def stand_in_visible_version(transcript: Transcript, role: str) -> TranscriptVersion | None:
    if transcript.state not in READABLE:
        return None
    versions = TranscriptVersion.objects.filter(transcript=transcript)
    if role in MANAGERS:
        return versions.filter(is_machine=True).first()
    return versions.filter(is_machine=False).order_by("-number").first()


def install_review_stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the review app's selector when it exists; otherwise the stand-in (module docstring)."""
    if sources._selector() is None:
        monkeypatch.setattr(sources, "_selector", lambda: stand_in_visible_version)


def _segments(version: TranscriptVersion, texts: tuple[str, ...], language: str) -> None:
    rows = []
    for index, text in enumerate(texts):
        start = index * 4.0
        words = [
            {"start": start + i * 0.5, "end": start + i * 0.5 + 0.4, "text": word, "probability": 0.9}
            for i, word in enumerate(text.split())
        ]
        speaker = "interviewer" if index % 2 == 0 else "participant"
        rows.append(Segment(version=version, index=index, start=start, end=start + 3.5, speaker=speaker,
                            language=language, text=text, words=words))  # fmt: skip
    Segment.objects.bulk_create(rows)


def make_transcript(
    study: Study,
    *,
    participant: Participant | None = None,
    state: str = Transcript.State.APPROVED,
    language: str = "en",
    raw: tuple[str, ...] = RAW,
    redacted: tuple[str, ...] = REDACTED,
) -> Transcript:
    """An interview, a recording and its transcript: version 1 raw (machine), version 2 redacted."""
    participant = participant or ParticipantFactory(study=study)
    interview = InterviewFactory(study=study, participant=participant, status=Interview.Status.COMPLETED)
    recording = Recording.objects.create(interview=interview)
    transcript = Transcript.objects.create(recording=recording, state=state, language=language, duration=8.0)
    machine = TranscriptVersion.objects.create(
        transcript=transcript, number=1, is_machine=True, engine="faster-whisper 1.2.1", model_name="base"
    )
    _segments(machine, raw, language)
    edited = TranscriptVersion.objects.create(transcript=transcript, number=2, engine="faster-whisper 1.2.1",
                                              model_name="base")  # fmt: skip
    _segments(edited, redacted, language)
    return transcript


def screen(participant: Participant, attributes: dict[str, object]) -> ScreeningResponse:
    """A screening response with closed questions for each key (and a free-text one that must never travel)."""
    questionnaire = Questionnaire.objects.create(study=participant.study, title={"en": "Screening"})
    for position, key in enumerate(attributes):
        kind = Question.Kind.SHORT_TEXT if key == "story" else Question.Kind.SINGLE
        Question.objects.create(questionnaire=questionnaire, position=position, key=key, kind=kind, text={"en": key})
    now = timezone.now()
    return ScreeningResponse.objects.create(
        study=participant.study, questionnaire=questionnaire, participant=participant,
        form_token=f"token-{participant.pk}", language="en", answers=attributes, attributes=attributes,
        started_at=now - timedelta(minutes=5), submitted_at=now,
    )  # fmt: skip
