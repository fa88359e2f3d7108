"""Celery task for study exports (routed to the `default` queue: it needs no GPU)."""

from __future__ import annotations

from celery import shared_task

from transcription.archive.jobs import run_export


@shared_task(ignore_result=True)
def build_export(export_id: str) -> None:
    """Build one export (archive or .qdpx) by id; a duplicated message does nothing (run_export claims)."""
    run_export(export_id)
