"""Transcripts with a machine version 1 made of given segments, for review tests and the benchmark."""

from __future__ import annotations

from typing import Any

from review.models import StudyIdentifier
from review.services import redaction
from review.services.approval import approve_version
from review.services.search_index import index_transcript
from studies.models import Participant, Study
from studies.tests.factories import InterviewFactory, ParticipantFactory
from transcription.models import Segment, Transcript, TranscriptVersion
from transcription.tests.factories import RecordingFactory


def words_of(text: str, start: float, end: float) -> list[dict[str, Any]]:
    """Evenly spaced word timings for `text`, written the way Whisper writes them (leading spaces)."""
    parts = text.split()
    step = (end - start) / max(len(parts), 1)
    return [
        {
            "start": round(start + i * step, 3),
            "end": round(start + (i + 1) * step, 3),
            "text": f" {w}",
            "probability": 0.9,
        }
        for i, w in enumerate(parts)
    ]


def machine_transcript(
    study: Study,
    texts: list[str],
    *,
    participant: Participant | None = None,
    speakers: tuple[str, ...] = ("interviewer", "SPEAKER_1"),
    flags: dict[int, list[str]] | None = None,
    seconds: float = 4.0,
) -> Transcript:
    """A transcript in state "transcribed" whose version 1 (machine) has one segment per text."""
    person = participant or ParticipantFactory(study=study)
    recording = RecordingFactory(interview=InterviewFactory(participant=person, study=study))
    transcript = Transcript.objects.create(recording=recording, language="en", duration=seconds * len(texts))
    version = TranscriptVersion.objects.create(transcript=transcript, number=1, is_machine=True, engine="test")
    Segment.objects.bulk_create(
        Segment(
            version=version,
            index=i,
            start=i * seconds,
            end=i * seconds + seconds - 0.5,
            speaker=speakers[i % len(speakers)],
            text=text,
            language="en",
            flags=(flags or {}).get(i, []),
            words=words_of(text, i * seconds, i * seconds + seconds - 0.5),
        )
        for i, text in enumerate(texts)
    )
    return transcript


def approved_and_indexed(study: Study, researcher: Any, texts: list[str], *, listed_name: str) -> Transcript:
    """A machine transcript of `texts` whose study lists `listed_name` (so the redacted version hides it), redacted,
    approved and indexed for search: what the search page's tests read as coders and as owners."""
    StudyIdentifier.objects.create(study=study, kind="NAME", name=listed_name)
    transcript = machine_transcript(study, texts)
    redaction.accept_undecided(version=transcript.versions.get(), user=researcher)
    redaction.redact_latest(transcript=transcript, base_number=1, user=researcher)
    approve_version(transcript=transcript, number=2, user=researcher)
    index_transcript(transcript_id=transcript.id)
    return transcript
