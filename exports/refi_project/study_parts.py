"""The rows a REFI-QDA project becomes in a new study: participants for cases (with their variables as closed
screening answers, where the platform keeps demographics), and an interview, a recording without audio and an
approved transcript for each source. Used by `exports.refi_project.new_study` inside its one transaction.
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from exports.refi_project.document import ProjectCase, ProjectSource
from review.models import RedactedVersion
from review.services.approval import approve_version
from review.services.versions import rows_of, write_version
from studies.models import Interview, Participant, Question, Questionnaire, ScreeningResponse, Study
from studies.services.screening import create_participant
from transcription.models import Recording, TranscriptVersion
from transcription.results import Segment as SpokenSegment
from transcription.results import TranscriptionResult
from transcription.services.jobs import write_transcript

ENGINE = "REFI-QDA project import (text, no audio)"
LANGUAGE = "und"  # ISO 639 "undetermined": a project does not say which language its sources are in
PSEUDONYM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,15}$")


def participant_for_case(*, study: Study, case: ProjectCase) -> tuple[Participant, bool]:
    """A participant for the case, named by the case when that name is a free pseudonym (letters, digits, - _ .,
    at most 16); otherwise by a fresh one. Returns it and whether the case's name was kept."""
    name = case.name.strip()
    if PSEUDONYM.match(name) and not Participant.objects.filter(code=name).exists():
        participant = Participant.objects.create(
            study=study, code=name, status=Participant.Status.INTERVIEWED, language=LANGUAGE
        )
        return participant, True
    return create_participant(study=study, status=Participant.Status.INTERVIEWED, language=LANGUAGE), False


def variable_keys(names: list[str]) -> dict[str, str]:
    """Variable name -> a question key (a slug of at most 60, unique): screening answers are keyed so."""
    keys: dict[str, str] = {}
    for position, name in enumerate(names):
        base = slugify(name).replace("-", "_")[:54] or f"variable_{position + 1}"
        key, number = base, 1
        while key in keys.values():
            number += 1
            key = f"{base}_{number}"
        keys[name] = key
    return keys


def store_variables(*, study: Study, names: list[str], cases: list[tuple[Participant, ProjectCase]]) -> int:
    """The variables as closed questions of the study's screening questionnaire (made for them: a new study has
    none), and each case's values as its participant's answers, so exports and dashboards read them as they read
    demographics. Returns the number of values stored."""
    if not names:
        return 0
    keys = variable_keys(names)
    questionnaire = Questionnaire.objects.create(study=study, title={"en": "Imported case variables"})
    for position, name in enumerate(names):
        values = sorted({case.values[name] for _, case in cases if name in case.values})
        Question.objects.create(
            questionnaire=questionnaire,
            position=position,
            key=keys[name],
            kind=Question.Kind.SINGLE,
            text={"en": name[:500]},
            choices=[{"value": value, "labels": {"en": value}} for value in values],
            required=False,
        )
    stored, now = 0, timezone.now()
    for participant, case in cases:
        answers = {keys[name]: value for name, value in case.values.items() if name in keys}
        ScreeningResponse.objects.create(
            study=study,
            questionnaire=questionnaire,
            participant=participant,
            form_token=f"refi-{secrets.token_hex(16)}",
            language=LANGUAGE,
            answers=answers,
            attributes=answers,
            started_at=now - timedelta(seconds=1),
            submitted_at=now,
        )
        stored += len(answers)
    return stored


def _starts(source: ProjectSource, lines: list[str]) -> list[float]:
    """Each line's start in seconds: the time of the last sync point at or before it (never going back)."""
    points = sorted(source.sync_points)
    starts, position, at, clock = [], 0, 0, 0.0
    for line in lines:
        while at < len(points) and points[at][0] <= position:
            clock = max(clock, points[at][1] / 1000)
            at += 1
        starts.append(clock)
        position += len(line) + 1
    return starts


def spoken(source: ProjectSource, speaker: str) -> TranscriptionResult:
    """The source's text as segments, one per line, so that the version's text is the source's text exactly
    (segments are joined by "\\n") and every selection's offsets stay on the same words."""
    lines = source.text.split("\n")
    starts = _starts(source, lines)
    ends = [*starts[1:], starts[-1]]
    segments = [
        SpokenSegment(start, max(start, end), line, speaker, LANGUAGE, 0.0, 0.0, 1.0)
        for start, end, line in zip(starts, ends, lines, strict=True)
    ]
    return TranscriptionResult(segments, LANGUAGE, 0.0, ends[-1], ENGINE, ENGINE)


def source_transcript(
    *, study: Study, participant: Participant, source: ProjectSource, actor: User
) -> TranscriptVersion:
    """An interview that took place, a recording without audio and a transcript of the source's text: version 1
    as received, version 2 the same text marked as its redacted form and approved by `actor`, so coders and
    exports read it as they read our own approved transcripts (module docstring of new_study: why)."""
    interview = Interview.objects.create(
        study=study, participant=participant, status=Interview.Status.COMPLETED, interviewer=None
    )
    recording = Recording.objects.create(interview=interview, uploaded_by=actor, expected_speakers=1)
    # A project does not say who speaks each line, so no speaker is guessed.
    received = write_transcript(recording, spoken(source, ""))
    transcript = received.transcript
    copy = write_version(transcript=transcript, rows=rows_of(received), author=actor, source=received, redacted=True)
    RedactedVersion.objects.create(version=copy, source=received, mapping="", replacements=[], created_by=actor)
    approve_version(transcript=transcript, number=copy.number, user=actor)
    return copy


def fresh_guid(wanted: uuid.UUID, taken: set[uuid.UUID]) -> uuid.UUID:
    """`wanted` unless this platform (another study) or this import already uses it: GUIDs of codings and memos
    are unique across the platform."""
    guid = wanted if wanted not in taken else uuid.uuid4()
    taken.add(guid)
    return guid
