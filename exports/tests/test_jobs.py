"""Export rows: built with their size and expiry, expired by the cleanup, stopped when deleted while being built,
and stray files (failed writes, the cache-held jobs of earlier versions) swept from storage."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.models import AuditEntry, User
from config.media import save_encrypted
from exports import tasks
from exports.models import ExportJob
from exports.services import jobs
from exports.services.enqueue import request_export
from exports.services.jobs import run_export
from exports.services.removal import delete_expired_exports, delete_export
from exports.tests.kit import built, stored_exports
from studies.models import Study
from tests.exportkit import make_transcript

pytestmark = pytest.mark.django_db


def test_an_export_creates_a_row_with_its_size_and_expiry(study: Study, owner: User, settings: SettingsWrapper) -> None:
    settings.EXPORT_RETENTION_DAYS = 3
    make_transcript(study)

    job, data = built(study, owner)

    assert job.state == ExportJob.State.SUCCEEDED
    assert (job.requested_by, job.kind, job.progress) == (owner, ExportJob.Kind.ARCHIVE, 100)
    assert job.size_bytes == len(data) > 0
    assert job.storage_name == f"exports/{study.pk}/job-{job.pk}.zip"
    assert default_storage.exists(job.storage_name)
    assert job.finished_at is not None
    assert job.expires_at == job.finished_at + timedelta(days=3)
    assert AuditEntry.objects.get(action="export.built").target_id == str(job.pk)


def test_the_cleanup_deletes_an_expired_exports_file_and_marks_its_row(
    study: Study, owner: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    make_transcript(study)
    old, _ = built(study, owner)
    fresh, _ = built(study, owner)
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        counts = delete_expired_exports()

    old.refresh_from_db()
    assert counts["expired"] == 1
    assert not default_storage.exists(f"exports/{study.pk}/job-{old.pk}.zip")
    assert (old.state, old.storage_name) == (ExportJob.State.EXPIRED, "")
    assert old.removed_at is not None
    assert set(stored_exports()) == {fresh.storage_name}
    entry = AuditEntry.objects.get(action="exports.expired")
    assert (entry.study_id, entry.detail) == (study.pk, {"exports": [old.pk]})


def test_the_cleanup_is_scheduled_by_beat() -> None:
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks.delete_expired_exports.name in scheduled
    assert settings.EXPORT_RETENTION_DAYS == 7


def test_a_job_whose_worker_never_came_is_failed_and_never_built_later(study: Study, owner: User) -> None:
    job = request_export(study=study, user=owner, kind="archive")
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=2))

    assert delete_expired_exports()["interrupted"] == 1
    run_export(job.pk)  # the lost message arrives after all

    job.refresh_from_db()
    assert (job.state, job.error) == (ExportJob.State.FAILED, ExportJob.Error.INTERRUPTED)
    assert stored_exports() == {}


def test_an_archive_deleted_while_it_is_built_stops_and_keeps_no_file(
    study: Study, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_transcript(study)
    job = request_export(study=study, user=owner, kind="archive")
    write_archive = jobs.write_archive

    def deleted_meanwhile(**arguments: object) -> dict[str, object]:
        delete_export(job=job, actor=owner)  # a manager presses Delete while the worker writes
        return write_archive(**arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(jobs, "write_archive", deleted_meanwhile)
    run_export(job.pk)

    job.refresh_from_db()
    assert job.state == ExportJob.State.DELETED
    assert job.progress == 1  # the first progress write found the row deleted and stopped the build
    assert stored_exports() == {}


def test_a_project_deleted_while_it_is_built_is_thrown_away_once_written(
    study: Study, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_transcript(study)
    job = request_export(study=study, user=owner, kind="qdpx")
    write_qdpx = jobs.write_qdpx

    def deleted_meanwhile(project: object, target: io.BufferedIOBase) -> None:
        delete_export(job=job, actor=owner)
        write_qdpx(project, target)  # type: ignore[arg-type]

    monkeypatch.setattr(jobs, "write_qdpx", deleted_meanwhile)
    run_export(job.pk)

    job.refresh_from_db()
    assert job.state == ExportJob.State.DELETED
    assert not AuditEntry.objects.filter(action="export.built").exists()
    assert stored_exports() == {}


def test_stray_files_are_swept_and_the_files_of_live_exports_kept(study: Study, owner: User) -> None:
    make_transcript(study)
    ready, _ = built(study, owner)
    running = request_export(study=study, user=owner, kind="archive")
    ExportJob.objects.filter(pk=running.pk).update(state=ExportJob.State.RUNNING, started_at=timezone.now())
    being_written = save_encrypted(name=jobs.storage_name(running), source=io.BytesIO(b"half an archive"))
    failed = request_export(study=study, user=owner, kind="archive")
    ExportJob.objects.filter(pk=failed.pk).update(state=ExportJob.State.FAILED, error=ExportJob.Error.WRITE_FAILED)
    partial = save_encrypted(name=jobs.storage_name(failed), source=io.BytesIO(b"disk full"))
    legacy = save_encrypted(name=f"exports/{study.pk}/{'ab' * 16}.zip", source=io.BytesIO(b"cache-era export"))

    assert delete_expired_exports()["stray_files"] == 2

    assert set(stored_exports()) == {ready.storage_name, being_written}
    assert not default_storage.exists(partial)
    assert not default_storage.exists(legacy)


@pytest.mark.django_db(transaction=True)
def test_an_export_whose_message_was_lost_is_sent_again_by_the_hourly_sweep(
    study: Study, owner: User, redis_client: Any
) -> None:
    redis_client.delete("default")
    lost = request_export(study=study, user=owner, kind="archive")
    fresh = request_export(study=study, user=owner, kind="archive")
    redis_client.delete("default")  # the broker restarted empty: both messages are gone
    ExportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    tasks.delete_expired_exports()
    sent = [
        json.loads(base64.b64decode(json.loads(raw)["body"]))[0][0] for raw in redis_client.lrange("default", 0, -1)
    ]
    assert sent == [lost.pk]  # the fresh one may still be on its way: not sent twice yet
    redis_client.delete("default")
    run_export(lost.pk)
    lost.refresh_from_db()
    assert lost.state == ExportJob.State.SUCCEEDED
    assert fresh.pk not in sent
