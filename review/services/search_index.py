"""Keeping the search index current: one transcript's rows are rebuilt from the versions each audience reads.

Raw rows come from the version owners and researchers read raw (`review.sources.version_for(raw=True)`), redacted
rows from the version every other role reads (`visible_version` for a coder): a coder can never find a segment by
a word that is redacted for them, because that word was never keyed into a row they search.

Review's own writes (every new version, approval, a partial withdrawal's cut) ask for a re-index on commit; a
machine version is written by the transcription app, which cannot call review, so a beat sweep indexes every
transcript whose latest version is not the one its rows were made from. Deleting a transcript or segment deletes
its rows (foreign keys, cascade).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery

from review.models import SearchAudience, SearchIndexState, SegmentSearchTerms
from review.search_terms import configuration_for, keyed, lexemes, search_available, search_key
from review.selectors import visible_version
from review.sources import version_for
from studies.models import Role, SafetyEvent, Study
from transcription.models import Transcript, TranscriptVersion


def _rows(
    transcript: Transcript, study_id: int, version: TranscriptVersion | None, audience: str
) -> list[SegmentSearchTerms]:
    """Unsaved rows for every segment of `version`; the text is decrypted here and only sent to PostgreSQL."""
    if version is None:
        return []
    segments = list(version.segments.order_by("index").only("id", "index", "language", "text"))
    languages = [segment.language or transcript.language for segment in segments]
    found = lexemes([(configuration_for(lang), s.text) for lang, s in zip(languages, segments, strict=True)])
    key, offset, rows = search_key(), 0, list[SegmentSearchTerms]()
    for segment, language, words in zip(segments, languages, found, strict=True):
        rows.append(
            SegmentSearchTerms(
                study_id=study_id,
                transcript=transcript,
                version=version,
                segment=segment,
                audience=audience,
                index=segment.index,
                language=language,
                start_offset=offset,
                end_offset=offset + len(segment.text),
                terms=keyed(words, key),
            )
        )
        # Offsets are code points into version.text(), whose segments are joined by one "\n".
        offset += len(segment.text) + 1
    return rows


def _locked_state(transcript: Transcript, study_id: int) -> SearchIndexState:
    # Insert-if-missing without an IntegrityError in this transaction, then lock: two indexers take turns.
    SearchIndexState.objects.bulk_create(
        [SearchIndexState(transcript=transcript, study_id=study_id)], ignore_conflicts=True
    )
    return SearchIndexState.objects.select_for_update().get(transcript=transcript)


@transaction.atomic
def index_transcript(*, transcript_id: int, force: bool = False) -> bool:
    """Rebuild one transcript's search rows unless they were made from the versions each audience reads now
    (`force` rebuilds anyway: a new key). Returns whether it rebuilt. Idempotent; a deleted transcript is no error."""
    transcript = Transcript.objects.filter(pk=transcript_id).select_related("recording__interview").first()
    if transcript is None or not search_available():
        return False
    study_id = transcript.recording.interview.study_id
    state = _locked_state(transcript, study_id)
    latest = transcript.versions.order_by("-number").first()
    raw = version_for(transcript, role=Role.OWNER, raw=True)
    redacted = visible_version(transcript, Role.CODER)
    current = tuple(version.id if version is not None else None for version in (latest, raw, redacted))
    if not force and current == (state.latest_version_id, state.raw_version_id, state.redacted_version_id):
        return False
    rows = _rows(transcript, study_id, raw, SearchAudience.RAW)
    rows += _rows(transcript, study_id, redacted, SearchAudience.REDACTED)
    SegmentSearchTerms.objects.filter(transcript=transcript).delete()
    SegmentSearchTerms.objects.bulk_create(rows, batch_size=2000)
    state.latest_version_id, state.raw_version_id, state.redacted_version_id = current
    state.languages = sorted({row.language for row in rows})
    state.save()
    return True


def stale_transcripts(*, study: Study | None = None) -> list[int]:
    """Ids of transcripts whose latest version is not the one their search rows were made from (or that have no
    rows yet); transcripts without any version are left out."""
    latest = TranscriptVersion.objects.filter(transcript=OuterRef("pk")).order_by("-number").values("id")[:1]
    indexed = SearchIndexState.objects.filter(transcript=OuterRef("pk")).values("latest_version_id")[:1]
    transcripts = Transcript.objects.annotate(latest=Subquery(latest), indexed=Subquery(indexed))
    if study is not None:
        transcripts = transcripts.filter(recording__interview__study=study)
    stale = transcripts.filter(latest__isnull=False).filter(Q(indexed__isnull=True) | ~Q(indexed=F("latest")))
    return list(stale.order_by("id").values_list("id", flat=True))


def index_stale(*, limit: int = 200) -> int:
    """The sweep: index up to `limit` stale transcripts, one transaction each. Returns how many were rebuilt."""
    if not search_available():
        return 0
    return sum(index_transcript(transcript_id=tid) for tid in stale_transcripts()[:limit])


def reindex_study(*, study: Study | None = None, force: bool = True) -> int:
    """Every transcript of a study (or of every study), for `manage.py reindex_search`."""
    transcripts = (
        Transcript.objects.all() if study is None else Transcript.objects.filter(recording__interview__study=study)
    )
    ids = list(transcripts.order_by("id").values_list("id", flat=True))
    return sum(index_transcript(transcript_id=tid, force=force) for tid in ids)


def _send(transcript_id: int, force: bool) -> None:
    from review.tasks import index_transcript_search

    index_transcript_search.delay(transcript_id, force)


def reindex_on_commit(*, transcript_id: int, force: bool = False) -> None:
    """Re-index the transcript once the current transaction commits (`force`: even if its versions did not
    change). A broker that is down is no error for the person saving: the commit stands, and the sweep indexes
    what the broker never got (robust callback)."""
    transaction.on_commit(lambda: _send(transcript_id, force), robust=True)


def reindex_approved(*, version: TranscriptVersion) -> None:
    """Approval hook: an approval changes the version coders read, without a new version."""
    reindex_on_commit(transcript_id=version.transcript_id)


def reindex_after_cut(*, event: SafetyEvent) -> None:
    """Cut hook: the cut deleted segments, and their rows went with them; the versions stay the same, so the rows
    are rebuilt regardless, in case a kept segment's text changed too."""
    if event.interview_id is None:
        return
    for transcript_id in Transcript.objects.filter(recording__interview_id=event.interview_id).values_list(
        "id", flat=True
    ):
        reindex_on_commit(transcript_id=transcript_id, force=True)
