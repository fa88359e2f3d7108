"""Celery tasks of the review app: ids in, one service call each."""

from __future__ import annotations

from celery import shared_task

from review.services import search_index


@shared_task(ignore_result=True)
def index_transcript_search(transcript_id: int, force: bool = False) -> None:
    """Rebuild one transcript's search rows (idempotent: unless forced, rows made from the current versions stay)."""
    search_index.index_transcript(transcript_id=transcript_id, force=force)


@shared_task(ignore_result=True)
def index_stale_transcripts() -> None:
    """Beat: index transcripts whose latest version has no search rows yet (machine versions, lost messages)."""
    search_index.index_stale()
