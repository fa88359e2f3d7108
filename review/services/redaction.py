"""The redaction pass over a transcript's latest version: proposals, decisions, hand-marked spans, and applying
the accepted ones as a new, redacted version with study-wide tags.

Proposals are recomputed from the version each time (review.redaction is a pure function); decisions
are stored per span of that version (RedactionMark), so they survive page loads but not edits of the text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import User
from config.crypto import keyed_hash
from review.models import RedactedVersion, RedactionMark, RedactionTag
from review.redaction import (
    Kind,
    Proposal,
    ProposalMismatch,
    Source,
    apply_redactions,
    manual_proposal,
    merge_overlapping,
    propose_redactions,
)
from review.services import state
from review.services.edits import span_times
from review.services.errors import ReviewError
from review.services.identifiers import participant_identifiers, study_entities
from review.services.versions import base_rows, lock_latest, write_version
from studies.models import Study
from transcription.models import Segment, Transcript, TranscriptVersion

Decision = RedactionMark.Decision


class DatabaseTagRegistry:
    """review.redaction.TagRegistry over RedactionTag rows. The caller holds the study row lock, so two
    redaction passes never hand out the same number."""

    def __init__(self, study: Study) -> None:
        self.study = study

    def get_or_assign(self, kind: str, normalised_value: str) -> int:
        value_hash = keyed_hash(f"{kind}\x1f{normalised_value}")
        found = RedactionTag.objects.filter(study=self.study, kind=kind, value_hash=value_hash).first()
        if found is not None:
            return found.number
        top = RedactionTag.objects.filter(study=self.study, kind=kind).aggregate(top=Max("number"))["top"] or 0
        # The original spelling is filled in from the applied text (_keep_fullest_spelling), not the folded key.
        RedactionTag.objects.create(study=self.study, kind=kind, value_hash=value_hash, original="", number=top + 1)
        return top + 1


@dataclass(frozen=True)
class ReviewItem:
    """One proposal or hand-marked span on the page, with the decision taken on it (None: not yet)."""

    proposal: Proposal
    decision: str | None

    @property
    def key(self) -> str:
        return span_key(self.proposal.segment, self.proposal.start, self.proposal.end)


def span_key(segment: int, start: int, end: int) -> str:
    return f"{segment}:{start}:{end}"


def study_of(transcript: Transcript) -> Study:
    return Study.objects.get(interviews__recordings__transcript=transcript)


def proposals_for(version: TranscriptVersion) -> list[Proposal]:
    transcript = version.transcript
    participant = transcript.recording.interview.participant
    segments = list(Segment.objects.filter(version=version).only("text", "start", "end", "speaker").order_by("index"))
    study = participant.study
    return propose_redactions(
        segments,
        participant=participant_identifiers(participant),
        study_entities=study_entities(study),
        language=transcript.language,
        keep_terms=study.deid_keep_terms,
        keep_countries=study.deid_keep_countries,
    )


def _from_mark(mark: RedactionMark) -> Proposal:
    return Proposal(
        mark.segment,
        mark.start,
        mark.end,
        mark.text,
        Kind(mark.kind),
        mark.reason,
        mark.confidence,
        mark.key,
        Source(mark.source),
    )


def review_items(version: TranscriptVersion) -> list[ReviewItem]:
    """Proposals for the version with their decisions, plus the spans marked by hand, in text order."""
    marks = {span_key(m.segment, m.start, m.end): m for m in RedactionMark.objects.filter(version=version)}
    items = [
        ReviewItem(p, _decision(marks.pop(span_key(p.segment, p.start, p.end), None))) for p in proposals_for(version)
    ]
    items += [ReviewItem(_from_mark(mark), mark.decision) for mark in marks.values() if mark.source == Source.MANUAL]
    return sorted(items, key=lambda item: (item.proposal.segment, item.proposal.start))


def _decision(mark: RedactionMark | None) -> str | None:
    return mark.decision if mark is not None else None


def _store(version: TranscriptVersion, proposal: Proposal, decision: str, user: User) -> None:
    RedactionMark.objects.update_or_create(
        version=version,
        segment=proposal.segment,
        start=proposal.start,
        end=proposal.end,
        defaults={
            "kind": str(proposal.kind),
            "source": str(proposal.source),
            "reason": proposal.reason[:300],
            "confidence": proposal.confidence,
            "text": proposal.text,
            "key": proposal.key,
            "decision": decision,
            "decided_by": user,
        },
    )


@transaction.atomic
def decide(*, version: TranscriptVersion, decisions: dict[str, str], user: User) -> int:
    """Record accept/reject for proposals of `version` named by span key; unknown keys are refused. Returns the
    number of decisions stored. The caller checked the role."""
    items = {item.key: item for item in review_items(version)}
    for key, decision in decisions.items():
        if key not in items or decision not in Decision.values:
            raise ReviewError(_("A proposal changed since the page was loaded; reload the page and decide again."))
    for key, decision in decisions.items():
        _store(version, items[key].proposal, decision, user)
    return len(decisions)


def _segment_text(version: TranscriptVersion, segment: int) -> str:
    text = Segment.objects.filter(version=version, index=segment).values_list("text", flat=True).first()
    if text is None:
        raise ReviewError(_("There is no segment %(number)s.") % {"number": segment + 1})
    return text


def _check_kind(kind: str) -> Kind:
    if kind not in Kind.__members__.values():
        raise ReviewError(_("Choose what kind of identifier the words are."))
    return Kind(kind)


@transaction.atomic
def mark_span(*, version: TranscriptVersion, segment: int, phrase: str, kind: str, user: User) -> int:
    """Mark every occurrence of `phrase` in one segment by hand (accepted); returns how many were marked."""
    text = _segment_text(version, segment)
    if kind not in Kind.__members__.values() or not phrase.strip():
        raise ReviewError(_("Choose a kind and type the words to remove exactly as they appear."))
    phrase, found, at = phrase.strip(), 0, text.find(phrase.strip())
    while at >= 0:
        _store(
            version,
            manual_proposal(segment=segment, text=text, start=at, end=at + len(phrase), kind=Kind(kind)),
            Decision.ACCEPTED,
            user,
        )
        found += 1
        at = text.find(phrase, at + len(phrase))
    if not found:
        raise ReviewError(_("Those words are not in segment %(number)s.") % {"number": segment + 1})
    return found


@dataclass(frozen=True)
class Selection:
    """Words selected in the editor: both ends as (segment index, code-point offset into that segment's text)."""

    segment: int
    start: int
    end_segment: int
    end: int


@transaction.atomic
def mark_selection(
    *, transcript: Transcript, base_number: object, selection: Selection, kind: str, user: User
) -> Proposal:
    """Mark one selection made in the editor (accepted), like a typed hand mark. It must lie in one segment of the
    version it was made on: a newer version raises VersionConflict, so a mark never lands on words that moved.
    Spaces at either end are left out. The caller checked the role."""
    version = lock_latest(transcript, base_number)
    if selection.end_segment != selection.segment:
        raise ReviewError(_("A mark must lie within one segment: select the words of one segment at a time."))
    text = _segment_text(version, selection.segment)
    checked = _check_kind(kind)
    if not 0 <= selection.start < selection.end <= len(text):
        raise ReviewError(
            _("The selection lies outside the text of segment %(number)s; select the words again.")
            % {"number": selection.segment + 1}
        )
    span = text[selection.start : selection.end]
    start = selection.start + len(span) - len(span.lstrip())
    end = selection.end - (len(span) - len(span.rstrip()))
    if start >= end:
        raise ReviewError(_("The selection holds only spaces; select the words to remove."))
    proposal = manual_proposal(segment=selection.segment, text=text, start=start, end=end, kind=checked)
    _store(version, proposal, Decision.ACCEPTED, user)
    return proposal


def _keep_fullest_spelling(study: Study, mapping: dict[str, str]) -> None:
    """A tag's stored original becomes the fullest spelling seen ("Priya Sharma" rather than "priya")."""
    for tag, original in mapping.items():
        kind, _sep, number = tag.strip("[]").rpartition("-")
        row = RedactionTag.objects.filter(study=study, kind=kind, number=int(number)).first()
        if row is None or row.original == original:
            continue
        if len(original) > len(row.original):
            RedactionTag.objects.filter(pk=row.pk).update(original=original)


@transaction.atomic
def redact_latest(*, transcript: Transcript, base_number: object, user: User) -> TranscriptVersion:
    """Apply the accepted spans of the latest version as a new, redacted version (every proposal must have a
    decision first). Tags come from the study's registry, so one person has one tag in every transcript."""
    source = lock_latest(transcript, base_number)
    study = Study.objects.select_for_update().get(pk=study_of(transcript).pk)  # tag numbers are handed out here
    items = review_items(source)
    pending = sum(1 for item in items if item.decision is None)
    if pending:
        raise ReviewError(
            _("%(count)s proposals still wait for a decision: accept or reject each one.") % {"count": pending}
        )
    accepted = merge_overlapping([item.proposal for item in items if item.decision == Decision.ACCEPTED])
    rows = base_rows(source)
    try:
        result = apply_redactions([row["text"] for row in rows], accepted, DatabaseTagRegistry(study))
    except ProposalMismatch as error:
        raise ReviewError(_("A marked span no longer fits the text; reload the page and check the marks.")) from error
    times = [span_times(rows[r.segment], r.start, r.end) for r in result.replacements]
    changed = {replacement.segment for replacement in result.replacements}
    for index in changed:
        # Word timings carry the original words: a redacted segment keeps its times, never its words.
        rows[index] = rows[index].but(text=result.texts[index], words=[])
    version = write_version(
        transcript=transcript, rows=rows, author=user, source=source, keep_translation=False, redacted=True
    )
    RedactedVersion.objects.create(
        version=version,
        source=source,
        mapping=json.dumps(result.mapping, ensure_ascii=False),
        replacements=[
            {"segment": r.segment, "start": r.start, "end": r.end, "tag": r.tag, "time_start": t0, "time_end": t1}
            for r, (t0, t1) in zip(result.replacements, times, strict=True)
        ],
        created_by=user,
    )
    _keep_fullest_spelling(study, result.mapping)
    state.start_review(transcript=transcript)
    return version


@transaction.atomic
def accept_undecided(*, version: TranscriptVersion, user: User) -> int:
    """Accept every proposal still without a decision; returns how many."""
    undecided = [item for item in review_items(version) if item.decision is None]
    for item in undecided:
        _store(version, item.proposal, Decision.ACCEPTED, user)
    return len(undecided)
