"""Agreement per code over the study's double-coded share, pooled across transcripts, for the dashboard.

The unit and the statistics are coding.agreement's (presence of a code per segment; percent agreement and
Cohen's kappa per pair of coders, Krippendorff's alpha across coders). Units are (version, segment) pairs
pooled over every transcript version that two or more coders have finished; a coder who did not code a
version has those units missing, not zero. The per-segment work is bounded by the double-coded share and
cached until a coding or an assignment of the study changes (a cheap aggregate is the cache key).
"""

from __future__ import annotations

import bisect
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Sum
from django.db.models.functions import Length

from coding.agreement import CodeAgreement, Statistic, presence_agreement
from coding.models import Coding, CodingAssignment
from studies.models import Study
from transcription.models import Segment

CACHE_SECONDS = 3600
Unit = tuple[int, int]  # (transcript version id, segment id)


@dataclass(frozen=True)
class CodeRow:
    code_id: int | None  # None: every code pooled
    name: str
    units: int  # units rated by both coders of a pair, summed over pairs
    percent: float | None  # units-weighted mean of the pairs' percent agreement
    kappa: float | None  # Cohen's kappa when exactly one pair of coders shares units; else None
    alpha: Statistic


@dataclass(frozen=True)
class PooledAgreement:
    versions: int
    units: int
    codes: list[CodeRow]
    overall: CodeRow | None


def double_coded_versions(*, study: Study) -> list[int]:
    """Transcript versions of the study that two or more coders have finished."""
    return list(
        CodingAssignment.objects.filter(
            transcript__recording__interview__study=study, status=CodingAssignment.Status.DONE
        )
        .order_by()
        .values("transcript_version_id")
        .annotate(coders=Count("coder_id", distinct=True))
        .filter(coders__gte=2)
        .values_list("transcript_version_id", flat=True)
    )


def _fingerprint(study: Study, versions: Sequence[int]) -> str:
    """Changes whenever a finished coder's coding of these versions is added, edited or removed, or another
    coder finishes; a coder still at work (whose codings do not count yet) leaves it alone."""
    done = CodingAssignment.objects.filter(
        transcript_version_id__in=versions, status=CodingAssignment.Status.DONE
    ).order_by()
    finished = done.filter(transcript_version_id=OuterRef("transcript_version_id"), coder_id=OuterRef("coder_id"))
    codings = (
        Coding.objects.filter(transcript_version_id__in=versions, consensus=False)
        .filter(Exists(finished))
        .aggregate(n=Count("id"), changed=Max("updated_at"), spans=Sum("start") + Sum("end"))
    )
    assignments = done.aggregate(n=Count("id"), finished=Max("finished_at"))
    raw = f"{study.id}|{sorted(versions)}|{codings}|{assignments}"
    return hashlib.sha256(raw.encode()).hexdigest()


def pooled_agreement(
    *, study: Study, code_names: dict[int, str], versions: Sequence[int] | None = None
) -> PooledAgreement | None:
    """Agreement per code on the double-coded share; None when nothing is double-coded yet."""
    versions = double_coded_versions(study=study) if versions is None else versions
    if not versions:
        return None
    key = f"dashboard:agreement:{_fingerprint(study, versions)}"
    result: PooledAgreement | None = cache.get(key)
    if result is None:
        result = _compute(versions, code_names)
        cache.set(key, result, CACHE_SECONDS)
    return result


def _spans(versions: Sequence[int]) -> dict[int, tuple[list[int], list[int], list[int]]]:
    """Per version: segment ids, starts and ends as code-point offsets into the version's joined text."""
    spans: dict[int, tuple[list[int], list[int], list[int]]] = defaultdict(lambda: ([], [], []))
    rows = (
        Segment.objects.filter(version_id__in=versions)
        .order_by("version_id", "index")
        .values_list("version_id", "id", Length("text"))
    )
    offset, current = 0, None
    for version_id, segment_id, length in rows:
        if version_id != current:
            offset, current = 0, version_id
        ids, starts, ends = spans[version_id]
        ids.append(segment_id)
        starts.append(offset)
        ends.append(offset + length)
        offset += length + 1  # segments are joined by one "\n"
    return spans


def _presence(versions: Sequence[int]) -> tuple[list[Unit], dict[str, dict[Unit, set[int]]], list[int]]:
    spans = _spans(versions)
    units = [(v, s) for v, (ids, _, _) in spans.items() for s in ids]
    presence: dict[str, dict[Unit, set[int]]] = defaultdict(dict)
    done = CodingAssignment.objects.filter(transcript_version_id__in=versions, status=CodingAssignment.Status.DONE)
    finished = set(done.values_list("transcript_version_id", "coder_id"))
    for version_id, coder_id in finished:
        presence[str(coder_id)].update({(version_id, s): set() for s in spans[version_id][0]})
    # Consensus codings come from adjudication: they are nobody's own decisions (as in coding.selectors).
    codings = Coding.objects.filter(transcript_version_id__in=versions, consensus=False).values_list(
        "transcript_version_id", "coder_id", "code_id", "start", "end"
    )
    used: set[int] = set()
    for version_id, coder_id, code_id, start, end in codings:
        if (version_id, coder_id) not in finished:
            continue  # half-finished work never lowers agreement (as in coding.selectors)
        ids, starts, ends = spans[version_id]
        mine = presence[str(coder_id)]
        # Half-open spans overlap when each starts before the other ends; both lists ascend.
        for index in range(bisect.bisect_right(ends, start), bisect.bisect_left(starts, end)):
            mine[(version_id, ids[index])].add(code_id)
            used.add(code_id)
    return units, presence, sorted(used)


def _row(item: CodeAgreement, name: str) -> CodeRow:
    rated = [pair for pair in item.pairs if pair.units and pair.percent_agreement.value is not None]
    units = sum(pair.units for pair in rated)
    percent = sum(pair.units * (pair.percent_agreement.value or 0.0) for pair in rated) / units if units else None
    kappa = rated[0].kappa.value if len(rated) == 1 else None
    code_id = item.code if isinstance(item.code, int) else None
    return CodeRow(code_id, name, units, percent, kappa, item.alpha)


def _compute(versions: Sequence[int], code_names: dict[int, str]) -> PooledAgreement:
    units, presence, codes = _presence(versions)
    report = presence_agreement(segments=units, codes=codes, codings=presence)
    rows = [_row(item, code_names.get(int(str(item.code)), "?")) for item in report.codes]
    rows.sort(key=lambda row: row.name.casefold())
    overall = _row(report.overall, "") if report.overall is not None else None
    return PooledAgreement(versions=len(versions), units=len(units), codes=rows, overall=overall)
