"""Reads of the coding app: the data that agreement statistics (coding.agreement) are computed on."""

from __future__ import annotations

from django.db.models import Count, Q

from coding.agreement import AgreementReport, presence_agreement
from coding.models import CodebookVersion, Coding, CodingAssignment
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
    codings = Coding.objects.filter(transcript_version=version, coder_id__in=[int(c) for c in presence])
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
