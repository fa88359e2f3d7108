"""Test data for the API, REFI-QDA and archive tests: transcripts with a raw and a redacted version.

Version 1 is the machine's raw text; version 2 its redacted form (review.RedactedVersion), approved
(review.Approval) when the transcript's state says so. The review app decides who reads which.
"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from coding.models import Code, CodebookVersion, Coding
from review.models import Approval, RedactedVersion
from studies.models import Interview, Participant, Question, Questionnaire, ScreeningResponse, Study
from studies.tests.factories import InterviewFactory, ParticipantFactory
from transcription.models import Recording, Segment, Transcript, TranscriptVersion

RAW = ("Hello, I am Maria Lopez from Quito.", "I use the chatbot 😀 every night.")
REDACTED = ("Hello, I am [NAME-1] from [PLACE-1].", "I use the chatbot 😀 every night.")
READABLE = {Transcript.State.APPROVED, Transcript.State.IN_CODING, Transcript.State.CODED}


def _segments(version: TranscriptVersion, texts: tuple[str, ...], language: str) -> None:
    rows = []
    for index, text in enumerate(texts):
        start = index * 4.0
        words = [
            {"start": start + i * 0.5, "end": start + i * 0.5 + 0.4, "text": word, "probability": 0.9}
            for i, word in enumerate(text.split())
        ]
        speaker = "interviewer" if index % 2 == 0 else "participant"
        rows.append(
            Segment(
                version=version,
                index=index,
                start=start,
                end=start + 3.5,
                speaker=speaker,
                language=language,
                text=text,
                words=words,
            )
        )
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
    edited = TranscriptVersion.objects.create(
        transcript=transcript, number=2, engine="faster-whisper 1.2.1", model_name="base"
    )
    _segments(edited, redacted, language)
    RedactedVersion.objects.create(version=edited, source=machine)
    if state in READABLE:
        Approval.objects.create(transcript=transcript, version=edited)
    return transcript


def screen(participant: Participant, attributes: dict[str, object]) -> ScreeningResponse:
    """A screening response with closed questions for each key (and a free-text one that must never travel)."""
    questionnaire = Questionnaire.objects.create(study=participant.study, title={"en": "Screening"})
    for position, key in enumerate(attributes):
        kind = Question.Kind.SHORT_TEXT if key == "story" else Question.Kind.SINGLE
        Question.objects.create(questionnaire=questionnaire, position=position, key=key, kind=kind, text={"en": key})
    now = timezone.now()
    return ScreeningResponse.objects.create(
        study=participant.study,
        questionnaire=questionnaire,
        participant=participant,
        form_token=f"token-{participant.pk}",
        language="en",
        answers=attributes,
        attributes=attributes,
        started_at=now - timedelta(minutes=5),
        submitted_at=now,
    )


def code_span(version: TranscriptVersion, *, coder: User, code: Code, start: int, end: int, memo: str = "") -> Coding:
    """A coding of version.text()[start:end] under the study's latest codebook version (made if none)."""
    study = code.study
    book = CodebookVersion.objects.filter(study=study).order_by("-number").first()
    if book is None:
        book = CodebookVersion.objects.create(study=study, number=1, change="test", snapshot=[])
    text = version.text()[start:end]
    return Coding.objects.create(
        transcript_version=version,
        start=start,
        end=end,
        text=text,
        code=code,
        coder=coder,
        codebook_version=book,
        memo=memo,
    )


FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="From another tool" origin="QualCoder">
  <Users><User guid="AD68FBE7-E1EE-4A82-A279-23CC698C89EB" name="ana"/></Users>
  <CodeBook><Codes>
    <Code guid="11111111-2222-3333-4444-555555555555" name="Hope" isCodable="true" color="#0A0"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="99999999-2222-3333-4444-555555555555" name="Field notes">
      <PlainTextContent>नमस्ते, hope grows.</PlainTextContent>
      <PlainTextSelection guid="88888888-2222-3333-4444-555555555555" startPosition="8" endPosition="12">
        <Coding guid="77777777-2222-3333-4444-555555555555" creatingUser="AD68FBE7-E1EE-4A82-A279-23CC698C89EB">
          <CodeRef targetGUID="11111111-2222-3333-4444-555555555555"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""


def foreign_qdpx() -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", FOREIGN.encode())
    buffer.seek(0)
    return buffer
