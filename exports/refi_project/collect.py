"""A study (or chosen transcripts) as a `Project`: the redacted, approved text of each transcript, with its codings.

Only owners and researchers export projects (the views check). Each transcript contributes the version coders read
(`review.sources.version_for` with the coder's view): codings point at that version, so their positions fit its
text exactly. Sources are built lazily, one transcript at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from accounts.models import User
from coding.codetree import tree_from_study
from coding.models import Coding, Memo
from exports.refi_project.document import (
    Project,
    ProjectCase,
    ProjectCoding,
    ProjectNote,
    ProjectSource,
    ProjectUser,
    guid_for,
)
from review.sources import REDACTED_VIEW, version_for
from studies.demographics import demographic_keys, demographics_of
from studies.models import Participant, Study
from transcription.models import Segment, Transcript, TranscriptVersion


def source_guid(version: TranscriptVersion) -> uuid.UUID:
    return guid_for("transcript-version", version.pk)


def _sync_points(version: TranscriptVersion) -> list[tuple[int, int]]:
    """(code point where each segment starts in version.text(), its start in ms): segments are joined by "\\n"."""
    points, position = [], 0
    for start, text in Segment.objects.filter(version=version).order_by("index").values_list("start", "text"):
        points.append((position, round(start * 1000)))
        position += len(text) + 1
    return points


def _codings(version: TranscriptVersion) -> list[ProjectCoding]:
    rows = Coding.objects.filter(transcript_version=version).select_related("code").order_by("start", "end", "id")
    return [
        ProjectCoding(
            guid=c.guid,
            start=c.start,
            end=c.end,
            code=c.code.guid,
            user=guid_for("user", c.coder_id),
            created=c.created_at,
            consensus=c.consensus,
            memo=c.memo,
        )
        for c in rows
    ]


def _sources(transcripts: list[Transcript], memos: dict[int, list[uuid.UUID]]) -> Iterator[ProjectSource]:
    for transcript in transcripts:
        version = version_for(transcript, role=REDACTED_VIEW)
        if version is None:
            continue
        participant = transcript.recording.interview.participant.code
        yield ProjectSource(
            guid=source_guid(version),
            name=f"{participant} interview {transcript.recording.interview_id}",
            text=version.text(),
            codings=_codings(version),
            sync_points=_sync_points(version),
            audio_name=f"{participant}_recording_{transcript.recording_id}.audio",
            notes=memos.get(transcript.pk, []),
        )


def _cases(study: Study, transcripts: list[Transcript]) -> tuple[list[str], list[ProjectCase]]:
    keys = demographic_keys(study.pk)
    people: dict[int, list[uuid.UUID]] = {}
    for transcript in transcripts:
        sources = people.setdefault(transcript.recording.interview.participant_id, [])
        version = version_for(transcript, role=REDACTED_VIEW)
        if version is not None:  # the case points at the source its transcript becomes (see _sources)
            sources.append(source_guid(version))
    values = demographics_of(people, keys)
    cases = []
    for participant in Participant.objects.filter(pk__in=people).order_by("code"):
        shown = {
            k: ", ".join(map(str, v)) if isinstance(v, list) else str(v)
            for k, v in values.get(participant.pk, {}).items()
        }
        cases.append(
            ProjectCase(guid_for("participant", participant.pk), participant.code, shown, tuple(people[participant.pk]))
        )
    return keys, cases


def study_project(*, study: Study, transcript_ids: list[int] | None = None) -> Project:
    """The study as a REFI-QDA project; `transcript_ids` limits it to those transcripts."""
    transcripts = Transcript.objects.filter(recording__interview__study=study).select_related(
        "recording__interview__participant"
    )
    if transcript_ids is not None:
        transcripts = transcripts.filter(pk__in=transcript_ids)
    chosen = list(transcripts.order_by("id"))
    memos = Memo.objects.filter(study=study).order_by("created_at", "id")
    by_transcript: dict[int, list[uuid.UUID]] = {}
    for memo in memos:
        if memo.transcript_id:
            by_transcript.setdefault(memo.transcript_id, []).append(memo.guid)
    authors = set(Coding.objects.filter(transcript_version__transcript__in=chosen).values_list("coder_id", flat=True))
    authors |= {memo.author_id for memo in memos}
    users = [
        ProjectUser(guid_for("user", u.pk), u.display_name or f"user {u.pk}")
        for u in User.objects.filter(pk__in=authors)
    ]
    keys, cases = _cases(study, chosen)
    notes = [
        ProjectNote(
            m.guid, m.title, m.text, guid_for("user", m.author_id), m.created_at, m.code.guid if m.code else None
        )
        for m in memos.select_related("code")
    ]
    return Project(
        name=study.title,
        users=users,
        codes=tree_from_study(study.pk),
        sources=_sources(chosen, by_transcript),
        cases=cases,
        variables=keys,
        notes=notes,
    )
