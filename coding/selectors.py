"""Reads of the coding app: agreement input (coding.agreement), the blind views of codings, adjudication units."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from coding.agreement import AgreementReport, presence_agreement
from coding.models import Adjudication, CodebookVersion, Coding, CodingAssignment
from studies.permissions import MANAGERS
from transcription.models import TranscriptVersion


def segment_spans(version: TranscriptVersion) -> list[tuple[int, int, int]]:
    """(segment id, start, end) for each segment, as code-point offsets into `version.text()`.

    The text joins segment texts with one "\\n", so each segment starts one past the previous one's end.
    """
    spans, offset = [], 0
    for segment_id, text in version.segments.order_by("index").values_list("id", "text"):
        spans.append((segment_id, offset, offset + len(text)))
        offset += len(text) + 1
    return spans


def presence_by_coder(
    version: TranscriptVersion, *, codebook_version: CodebookVersion | None = None
) -> dict[str, dict[int, set[int]]]:
    """For each coder who has finished coding `version`: segment id -> ids of the codes overlapping that segment.

    Coders are keyed by user id as text. Only assignments marked done count, so half-finished work never lowers
    agreement; a finished coder who applied nothing has every segment with an empty set. With
    `codebook_version`, only codings made under that version count.
    """
    spans = segment_spans(version)
    done = CodingAssignment.objects.filter(transcript_version=version, status=CodingAssignment.Status.DONE)
    presence: dict[str, dict[int, set[int]]] = {
        str(coder_id): {s: set() for s, _, _ in spans} for coder_id in done.values_list("coder_id", flat=True)
    }
    codings = Coding.objects.filter(
        transcript_version=version, coder_id__in=[int(c) for c in presence], consensus=False
    )
    if codebook_version is not None:
        codings = codings.filter(codebook_version=codebook_version)
    for coder_id, code_id, start, end in codings.values_list("coder_id", "code_id", "start", "end"):
        for segment_id, seg_start, seg_end in spans:
            # Half-open spans overlap when each starts before the other ends.
            if start < seg_end and seg_start < end:
                presence[str(coder_id)][segment_id].add(code_id)
    return presence


def transcript_agreement(
    version: TranscriptVersion, *, codebook_version: CodebookVersion | None = None
) -> AgreementReport | None:
    """Agreement on code presence per segment of one double-coded transcript version (None: fewer than 2 coders).

    The codes compared are those any of its coders used; codes nobody used would only add agreement on absence.
    """
    presence = presence_by_coder(version, codebook_version=codebook_version)
    if len(presence) < 2:
        return None
    codes = sorted({code for segments in presence.values() for codes in segments.values() for code in codes})
    segments = [segment_id for segment_id, _, _ in segment_spans(version)]
    return presence_agreement(segments=segments, codes=codes, codings=presence)


def double_coded_versions(study_id: int) -> list[TranscriptVersion]:
    """The study's transcript versions that two or more coders have finished, oldest first."""
    done = Q(assignments__status=CodingAssignment.Status.DONE)
    return list(
        TranscriptVersion.objects.filter(transcript__recording__interview__study_id=study_id)
        .annotate(finished=Count("assignments", filter=done, distinct=True))
        .filter(finished__gte=2)
        .select_related("transcript__recording__interview__participant", "adjudication")
        .order_by("id")
    )


def study_agreement(study_id: int, *, codebook_version: CodebookVersion | None = None) -> AgreementReport | None:
    """Agreement over every double-coded transcript version of a study (None: none has two finished coders).

    Units are (transcript version id, segment id) pairs, so coders who never shared a transcript have no units
    in common and their pair's figures are undefined rather than invented.
    """
    done = Q(assignments__status=CodingAssignment.Status.DONE)
    versions = (
        TranscriptVersion.objects.filter(transcript__recording__interview__study_id=study_id)
        .annotate(finished=Count("assignments", filter=done, distinct=True))
        .filter(finished__gte=2)
        .order_by("id")
    )
    combined: dict[str, dict[tuple[int, int], set[int]]] = {}
    segments: list[tuple[int, int]] = []
    for version in versions:
        segments.extend((version.id, segment_id) for segment_id, _, _ in segment_spans(version))
        for coder, by_segment in presence_by_coder(version, codebook_version=codebook_version).items():
            combined.setdefault(coder, {}).update({(version.id, s): codes for s, codes in by_segment.items()})
    if len(combined) < 2:
        return None
    codes = sorted({code for by_unit in combined.values() for found in by_unit.values() for code in found})
    return presence_agreement(segments=segments, codes=codes, codings=combined)


# Blindness. Coders never see another coder's codings before the transcript version is adjudicated: every page
# and endpoint that shows codings goes through these functions, which filter by the viewer.


def is_adjudicated(version: TranscriptVersion) -> bool:
    return Adjudication.objects.filter(transcript_version=version, status=Adjudication.Status.DONE).exists()


def visible_codings(*, user: User, role: str, study_id: int) -> QuerySet[Coding]:
    """The codings of a study this member may see: owners and researchers see all (the consensus set too);
    anyone else sees their own, plus every coding of versions whose adjudication is done."""
    codings = Coding.objects.filter(transcript_version__transcript__recording__interview__study_id=study_id)
    if role in MANAGERS:
        return codings
    adjudicated = Q(transcript_version__adjudication__status=Adjudication.Status.DONE)
    return codings.filter((Q(coder=user) & Q(consensus=False)) | adjudicated)


def own_codings(*, version: TranscriptVersion, coder: User) -> QuerySet[Coding]:
    """What the coding workspace shows: only this coder's own codings of the version, never the others'."""
    return Coding.objects.filter(transcript_version=version, coder=coder, consensus=False).select_related("code")


@dataclass
class Disagreement:
    """One unit (a code's presence in a segment) on which the finished coders differ."""

    segment_id: int
    segment_start: int
    segment_end: int
    code_id: int
    # coder id -> their spans (start, end) of this code overlapping the segment, clipped to it ([] = absent).
    spans: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


def clipped_spans(
    codings: list[tuple[int, int, int, int]], *, coder_id: int, code_id: int, seg_start: int, seg_end: int
) -> list[tuple[int, int]]:
    """(start, end) of one coder's codings of one code inside a segment, cut to the segment's bounds."""
    return [
        (max(start, seg_start), min(end, seg_end))
        for c_coder, c_code, start, end in codings
        if c_coder == coder_id and c_code == code_id and start < seg_end and seg_start < end
    ]


def units(version: TranscriptVersion) -> tuple[list[int], list[Disagreement], list[Disagreement]]:
    """(finished coder ids, disagreements, agreed-present units) of a double-coded version, unit = code x segment."""
    presence = presence_by_coder(version)
    coders = sorted(int(c) for c in presence)
    rows = list(
        Coding.objects.filter(transcript_version=version, coder_id__in=coders, consensus=False).values_list(
            "coder_id", "code_id", "start", "end"
        )
    )
    codes = sorted({code for _, code, _, _ in rows})
    differ: list[Disagreement] = []
    agree: list[Disagreement] = []
    for segment_id, seg_start, seg_end in segment_spans(version):
        for code in codes:
            found = {c: code in presence[str(c)][segment_id] for c in coders}
            if not any(found.values()):
                continue
            unit = Disagreement(segment_id, seg_start, seg_end, code)
            unit.spans = {
                c: clipped_spans(rows, coder_id=c, code_id=code, seg_start=seg_start, seg_end=seg_end) for c in coders
            }
            (agree if all(found.values()) else differ).append(unit)
    return coders, differ, agree
