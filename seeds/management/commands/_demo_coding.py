"""Demo transcripts that arrive coded (seeds/<study>/coding.yaml): the interview's script becomes a text-only
recording's version 1, then de-identification, approval, both demo coders' codings and (where the seed says so)
an adjudication, each through the platform's own services, so the demo shows agreement, excerpts, exports and the
dashboard at once, without a worker. (A module name starting with "_" is not a management command.)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction

from accounts.models import User
from coding.models import Code, CodingAssignment
from coding.selectors import units
from coding.services.adjudication import decide_unit, finish_adjudication, open_adjudication
from coding.services.codings import add_coding, assign_transcript, finish_assignment
from review.services import redaction
from review.services.approval import approve_version
from seeds.setup.shapes import CODE_NAMESPACE
from studies.models import Interview, Participant, Study
from transcription.models import INTERVIEWER_SPEAKER, Segment, Transcript, TranscriptVersion
from transcription.results import Segment as SpokenSegment
from transcription.results import TranscriptionResult, Word
from transcription.services import add_transcribed_recording

SECONDS_PER_WORD = 0.4
GAP_SECONDS = 0.6
ENGINE = "demo seeds (text, no audio)"


@dataclass(frozen=True)
class Seeded:
    """A seed's coded transcript, found by participant key."""

    participant: str
    adjudicate: bool
    codings: dict[str, list[dict[str, str]]]


def coded_seeds(data: dict[str, Any] | None) -> dict[str, Seeded]:
    entries = (data or {}).get("transcripts", [])
    return {
        entry["participant"]: Seeded(entry["participant"], bool(entry.get("adjudicate")), entry["codings"])
        for entry in entries
    }


def spoken(script: list[list[str]], participant: Participant) -> TranscriptionResult:
    """The script as a transcript: one segment per line, timed at a steady speaking pace."""
    segments, clock = [], 0.0
    for speaker, line in script:
        words, start = [], clock
        for text in line.split():
            words.append(
                Word(start=round(clock, 2), end=round(clock + SECONDS_PER_WORD, 2), text=f" {text}", probability=1.0)
            )
            clock += SECONDS_PER_WORD
        label = INTERVIEWER_SPEAKER if speaker == INTERVIEWER_SPEAKER else participant.code
        segments.append(
            SpokenSegment(
                round(start, 2), round(clock, 2), line, label, participant.language, 0.0, 0.0, 1.0, tuple(words)
            )
        )
        clock += GAP_SECONDS
    return TranscriptionResult(segments, participant.language, 1.0, round(clock, 2), ENGINE, ENGINE)


def load_coded_transcript(*, study: Study, participant: Participant, script: list[list[str]], seed: Seeded) -> str:
    """Write the coded transcript of the participant's interview unless it has one already; returns what was done."""
    interview = participant.interviews.filter(status=Interview.Status.COMPLETED).first()
    if interview is None:
        raise CommandError(f"{seed.participant}: a coded transcript needs an interview that took place.")
    if interview.recordings.exists():
        return "unchanged"
    researcher = _member(study, "researcher")
    with transaction.atomic():
        recording = add_transcribed_recording(interview=interview, user=researcher, result=spoken(script, participant))
        transcript = Transcript.objects.get(recording=recording)
        redaction.accept_undecided(version=transcript.versions.get(number=1), user=researcher)
        redacted = redaction.redact_latest(transcript=transcript, base_number=1, user=researcher)
        approve_version(transcript=transcript, number=redacted.number, user=researcher)
        for email, codings in seed.codings.items():
            _code(study, transcript, redacted, User.objects.get(email=email), codings, seed.participant)
        if seed.adjudicate:
            _adjudicate(redacted, _member(study, "owner"))
    return "coded and adjudicated" if seed.adjudicate else "coded, awaiting adjudication"


def _member(study: Study, role: str) -> User:
    membership = study.memberships.filter(role=role).select_related("user").first()
    if membership is None:
        raise CommandError(f"The demo study needs a {role} for its coded transcripts.")
    return membership.user


def _code(
    study: Study,
    transcript: Transcript,
    version: TranscriptVersion,
    coder: User,
    codings: list[dict[str, str]],
    key: str,
) -> None:
    """The coder's codings, found by quote in the approved (redacted) text, then their assignment finished."""
    assignment = CodingAssignment.objects.filter(transcript=transcript, coder=coder).first()
    if assignment is None:  # the queue gave it to one coder only; the seed wants both
        assignment = assign_transcript(transcript=transcript, version=version, coder=coder)
    text = version.text()
    for coding in codings:
        start = text.find(coding["quote"])
        if start < 0:
            raise CommandError(f"{key}: the quote {coding['quote']!r} is not in the de-identified transcript.")
        guid = uuid.uuid5(CODE_NAMESPACE, "/".join((study.slug, *coding["code"].split("/"))))
        code = Code.objects.get(study=study, guid=guid)
        add_coding(version=version, coder=coder, code=code, start=start, end=start + len(coding["quote"]))
    finish_assignment(assignment=assignment)


def _adjudicate(version: TranscriptVersion, adjudicator: User) -> None:
    """Settle every disagreement by accepting the coding of the coder who made it, then close the adjudication."""
    adjudication = open_adjudication(version=version, adjudicator=adjudicator)
    _finished, differ, _agreed = units(version)
    for unit in differ:
        coder_id = next(coder for coder, spans in unit.spans.items() if spans)
        decide_unit(
            adjudication=adjudication,
            segment=Segment.objects.get(pk=unit.segment_id),
            code=Code.objects.get(pk=unit.code_id),
            outcome="accept",
            adjudicator=adjudicator,
            accepted_coder=User.objects.get(pk=coder_id),
        )
    finish_adjudication(adjudication=adjudication, adjudicator=adjudicator)
