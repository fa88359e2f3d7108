"""Analysis reads for owners and researchers: excerpts per code and a code-by-stratum table.

Both read the study's *final* codings unless asked for every coding: for a version whose adjudication is done,
its consensus codings; for a version coded by one coder only, that coder's codings once their assignment is done.
Double-coded versions not yet adjudicated have no final codings. Demographics come from each participant's
latest screening response `attributes` (answers plus the derived age band and region), pseudonymous by design.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from coding.models import Adjudication, Code, Coding, CodingAssignment
from studies.models import ScreeningResponse, Study
from transcription.models import MediaFile, Segment

# The participant groups read against the findings, when the screening asked for them.
STRATUM_KEYS = ("region", "gender", "age_band", "main_language", "chatbots")


def final_codings(study: Study) -> QuerySet[Coding]:
    """The study's final codings (module docstring)."""
    codings = Coding.objects.filter(transcript_version__transcript__recording__interview__study=study)
    adjudicated = Exists(
        Adjudication.objects.filter(transcript_version=OuterRef("transcript_version"), status=Adjudication.Status.DONE)
    )
    finished = Exists(
        CodingAssignment.objects.filter(
            transcript_version=OuterRef("transcript_version"), coder=OuterRef("coder"), status="done"
        )
    )
    someone_else = Exists(
        CodingAssignment.objects.filter(transcript=OuterRef("transcript_version__transcript")).exclude(
            coder=OuterRef("coder")
        )
    )
    single = Q(consensus=False) & ~Q(adjudicated) & Q(finished) & ~Q(someone_else)
    return codings.filter((Q(consensus=True) & Q(adjudicated)) | single)


def codings_for_analysis(study: Study, *, final: bool) -> QuerySet[Coding]:
    if final:
        return final_codings(study)
    return Coding.objects.filter(transcript_version__transcript__recording__interview__study=study, consensus=False)


def demographics(participant_ids: set[int], keys: tuple[str, ...] = STRATUM_KEYS) -> dict[int, dict[str, object]]:
    """participant id -> {key: value} from their latest screening response (keys they lack are left out)."""
    found: dict[int, dict[str, object]] = {}
    responses = ScreeningResponse.objects.filter(participant_id__in=participant_ids).order_by("-submitted_at")
    for participant_id, attributes in responses.values_list("participant_id", "attributes"):
        if participant_id not in found:
            found[participant_id] = {k: attributes[k] for k in keys if k in attributes}
    return found


@dataclass
class Excerpt:
    coding: Coding
    participant: str
    demographics: dict[str, object]
    time_start: float | None
    time_end: float | None
    audio_url: str = ""


def _times(
    version_id: int, start: int, end: int, offsets: dict[int, list[tuple[int, int, Segment]]]
) -> tuple[float | None, float | None]:
    inside = [seg for s, e, seg in offsets[version_id] if start < e + 1 and s < end]
    return (inside[0].start, inside[-1].end) if inside else (None, None)


def _segment_offsets(version_ids: set[int]) -> dict[int, list[tuple[int, int, Segment]]]:
    offsets: dict[int, list[tuple[int, int, Segment]]] = defaultdict(list)
    position: dict[int, int] = defaultdict(int)
    for segment in Segment.objects.filter(version_id__in=version_ids).order_by("version_id", "index"):
        start = position[segment.version_id]
        offsets[segment.version_id].append((start, start + len(segment.text), segment))
        position[segment.version_id] = start + len(segment.text) + 1
    return offsets


def excerpts(*, study: Study, code: Code, final: bool = True, with_audio: bool = False) -> list[Excerpt]:
    """Every excerpt coded with `code`, with the participant's pseudonym, demographics and the moment in the audio.

    `with_audio`: add a playback link (only for roles allowed to listen; the caller decides).
    """
    codings = (
        codings_for_analysis(study, final=final).filter(code=code).order_by("transcript_version_id", "start", "id")
    )
    return excerpts_of(list(codings), study=study, with_audio=with_audio)


def excerpts_of(codings: list[Coding], *, study: Study, with_audio: bool) -> list[Excerpt]:
    """`codings` (of `study`) as excerpts; one query per kind of fact, however many codings."""
    codings = list(
        Coding.objects.filter(id__in=[c.id for c in codings])
        .select_related("transcript_version__transcript__recording__interview__participant", "coder", "code")
        .order_by("transcript_version_id", "start", "id")
    )
    people = {c.transcript_version.transcript.recording.interview.participant for c in codings}
    facts = demographics({p.id for p in people})
    offsets = _segment_offsets({c.transcript_version_id for c in codings})
    media = _first_media({c.transcript_version.transcript.recording_id for c in codings}) if with_audio else {}
    found = []
    for coding in codings:
        recording_id = coding.transcript_version.transcript.recording_id
        participant = coding.transcript_version.transcript.recording.interview.participant
        start, end = _times(coding.transcript_version_id, coding.start, coding.end, offsets)
        url = ""
        if recording_id in media and start is not None:
            url = reverse("transcription:media", kwargs={"slug": study.slug, "file_id": media[recording_id]})
            url += f"#t={start:.2f},{end:.2f}"
        found.append(Excerpt(coding, participant.code, facts.get(participant.id, {}), start, end, url))
    return found


def _first_media(recording_ids: set[int]) -> dict[int, int]:
    """recording id -> the id of its first media file (the one played for an excerpt)."""
    first: dict[int, int] = {}
    for recording_id, file_id in MediaFile.objects.filter(recording_id__in=recording_ids).values_list(
        "recording_id", "id"
    ):
        first.setdefault(recording_id, file_id)
    return first


@dataclass
class StratumTable:
    """How often each code appears per group of one attribute: cells are participants with the code."""

    key: str
    groups: list[str]
    group_sizes: dict[str, int]
    rows: list[tuple[Code, dict[str, int]]] = field(default_factory=list)


def _groups(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value] or ["—"]
    return ["—" if value in (None, "") else str(value)]


def code_by_stratum(*, study: Study, final: bool = True) -> list[StratumTable]:
    """For each attribute in STRATUM_KEYS that participants have: per code, how many coded participants of each
    group have it at least once. Group sizes count coded participants only (those whose transcripts have codings
    in the set); a multiple-choice answer puts a person in each chosen group."""
    rows = codings_for_analysis(study, final=final).values_list(
        "code_id", "transcript_version__transcript__recording__interview__participant_id"
    )
    by_code: dict[int, set[int]] = defaultdict(set)
    for code_id, participant_id in rows:
        by_code[code_id].add(participant_id)
    people = set().union(*by_code.values()) if by_code else set()
    facts = demographics(people)
    codes = Code.objects.filter(id__in=by_code).order_by("name")
    tables = []
    for key in STRATUM_KEYS:
        if not any(key in f for f in facts.values()):
            continue
        member_of = {p: _groups(facts.get(p, {}).get(key)) for p in people}
        groups = sorted({g for gs in member_of.values() for g in gs})
        sizes = {g: sum(g in gs for gs in member_of.values()) for g in groups}
        table = StratumTable(key=key, groups=groups, group_sizes=sizes)
        for code in codes:
            counts = {g: sum(g in member_of[p] for p in by_code[code.id]) for g in groups}
            table.rows.append((code, counts))
        tables.append(table)
    return tables
