"""Celery tasks of the exports app (routed to the `default` queue: they need no GPU). Ids in, one service each."""

from __future__ import annotations

from celery import shared_task

from exports.selectors import waiting_export_ids
from exports.services.jobs import run_export
from exports.services.removal import delete_expired_exports as delete_expired


@shared_task(ignore_result=True)
def build_export(export_id: int) -> None:
    """Build one export (archive or .qdpx) by id; a duplicated message does nothing (run_export claims the row).

    ExportFailed (disk or storage) is permanent: the row says failed and the task does not retry."""
    run_export(export_id)


@shared_task(ignore_result=True)
def delete_expired_exports() -> None:
    """Periodic (beat): send again exports whose message was lost, delete expired export files, fail exports whose
    worker stopped, remove stray files."""
    for export_id in waiting_export_ids():
        build_export.delay(export_id)
    delete_expired()
