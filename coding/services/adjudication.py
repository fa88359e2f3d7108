"""Adjudication: turning a double-coded transcript version into consensus codings, unit by unit.

The unit is the one agreement is computed on: the presence of one code in one segment. For each unit where the
finished coders disagree, the adjudicator accepts one coder's decision (their spans, or their "absent"), merges
(the union of every coder's spans), or writes a consensus coding (a quote from the segment). Finishing copies the
units all coders agreed on (their spans merged) and marks the adjudication done: from then on the version's
consensus codings are the study's consensus set for it, and its coders are no longer blind to each other.
Consensus codings are Coding rows with consensus=True and the adjudicator as `coder`; every span is cut to its
segment, since the segment is the unit decided. Callers check that the adjudicator is an owner or researcher.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from coding.models import Adjudication, AdjudicationDecision, Code, Coding
from coding.selectors import Disagreement, units
from coding.services.codebook import current_codebook_version
from coding.services.codings import CodingError, study_id_of
from transcription.models import Segment, TranscriptVersion

Outcome = AdjudicationDecision.Outcome


def merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of half-open spans: overlapping or touching spans become one."""
    result: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


@transaction.atomic
def open_adjudication(*, version: TranscriptVersion, adjudicator: User) -> Adjudication:
    """Start (or return the already started) adjudication of a version that two or more coders have finished."""
    coders, _, _ = units(version)
    if len(coders) < 2:
        raise CodingError(gettext("Adjudication needs two or more coders who have finished this transcript."))
    adjudication, _ = Adjudication.objects.get_or_create(
        transcript_version=version, defaults={"adjudicator": adjudicator}
    )
    return adjudication


def _write_consensus(
    *, version: TranscriptVersion, code: Code, adjudicator: User, spans: list[tuple[int, int]], bounds: tuple[int, int]
) -> None:
    """Replace the consensus codings of `code` inside `bounds` (one segment) with `spans`."""
    Coding.objects.filter(
        transcript_version=version, code=code, consensus=True, start__gte=bounds[0], end__lte=bounds[1]
    ).delete()
    codebook_version = current_codebook_version(study=code.study)
    if codebook_version is None:
        raise CodingError(gettext("The codebook has no version yet."))
    text = version.text()
    for start, end in merged(spans):
        Coding.objects.create(
            transcript_version=version,
            start=start,
            end=end,
            text=text[start:end],
            code=code,
            coder=adjudicator,
            codebook_version=codebook_version,
            consensus=True,
        )


def _quote_span(unit: Disagreement, quote: str, text: str) -> tuple[int, int]:
    quote = quote.strip()
    where = text[unit.segment_start : unit.segment_end].find(quote) if quote else -1
    if where < 0:
        raise CodingError(gettext("Write the consensus coding as words copied exactly from the segment."))
    return unit.segment_start + where, unit.segment_start + where + len(quote)


def _spans_for(unit: Disagreement, outcome: str, accepted: User | None, quote: str, text: str) -> list[tuple[int, int]]:
    if outcome == Outcome.ACCEPT:
        if accepted is None or accepted.id not in unit.spans:
            raise CodingError(gettext("Choose one of the coders of this transcript to accept."))
        return unit.spans[accepted.id]
    if outcome == Outcome.MERGE:
        return [span for spans in unit.spans.values() for span in spans]
    if outcome == Outcome.CONSENSUS:
        return [_quote_span(unit, quote, text)]
    raise CodingError(gettext("Choose accept, merge or consensus."))


@transaction.atomic
def decide_unit(
    *,
    adjudication: Adjudication,
    segment: Segment,
    code: Code,
    outcome: str,
    adjudicator: User,
    accepted_coder: User | None = None,
    quote: str = "",
) -> AdjudicationDecision:
    """Rule on one disagreement; deciding the same unit again replaces the earlier ruling and its codings."""
    adjudication = Adjudication.objects.select_for_update().get(pk=adjudication.pk)
    if adjudication.status == Adjudication.Status.DONE:
        raise CodingError(gettext("This adjudication is finished."))
    version = adjudication.transcript_version
    if code.study_id != study_id_of(version.transcript):
        raise CodingError(gettext("That code belongs to another study."))
    _, differ, _ = units(version)
    unit = next((u for u in differ if u.segment_id == segment.id and u.code_id == code.id), None)
    if unit is None:
        raise CodingError(gettext("The coders do not disagree on this code in this segment."))
    spans = _spans_for(unit, outcome, accepted_coder, quote, version.text())
    _write_consensus(
        version=version, code=code, adjudicator=adjudicator, spans=spans, bounds=(unit.segment_start, unit.segment_end)
    )
    decision, _ = AdjudicationDecision.objects.update_or_create(
        adjudication=adjudication,
        segment=segment,
        code=code,
        defaults={
            "outcome": outcome,
            "accepted_coder": accepted_coder if outcome == Outcome.ACCEPT else None,
            "decided_by": adjudicator,
        },
    )
    return decision


@transaction.atomic
def finish_adjudication(*, adjudication: Adjudication, adjudicator: User) -> Adjudication:
    """Close an adjudication whose disagreements are all decided; agreed units join the consensus set."""
    adjudication = Adjudication.objects.select_for_update().get(pk=adjudication.pk)
    if adjudication.status == Adjudication.Status.DONE:
        return adjudication
    version = adjudication.transcript_version
    _, differ, agree = units(version)
    decided = set(adjudication.decisions.values_list("segment_id", "code_id"))
    if any((u.segment_id, u.code_id) not in decided for u in differ):
        raise CodingError(gettext("Some disagreements are not decided yet."))
    codes = {c.id: c for c in Code.objects.filter(id__in={u.code_id for u in agree})}
    for unit in agree:
        _write_consensus(
            version=version,
            code=codes[unit.code_id],
            adjudicator=adjudicator,
            spans=[span for spans in unit.spans.values() for span in spans],
            bounds=(unit.segment_start, unit.segment_end),
        )
    adjudication.status, adjudication.finished_at = Adjudication.Status.DONE, timezone.now()
    adjudication.save(update_fields=["status", "finished_at", "updated_at"])
    return adjudication
