"""/healthz reports database, broker, storage and the upload folder, with 503 naming what is down."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

pytestmark = pytest.mark.django_db


def test_it_reports_every_dependency_up() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "down": [],
        "checks": {"database": "up", "broker": "up", "storage": "up", "uploads": "up"},
    }


def test_it_reports_an_unreachable_broker_as_503(settings: SettingsWrapper) -> None:
    # Port 1 on loopback is closed: a real connection attempt fails fast.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_CONNECTION_TIMEOUT = 1
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["checks"]["database"] == "up"
    assert body["checks"]["broker"].startswith("down: ")


def test_it_reports_unwritable_storage_as_503(settings: SettingsWrapper, tmp_path: object) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": "/proc/healthz-cannot-write-here"},
        },
    }
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["storage"]


def test_it_reports_an_unwritable_upload_folder_as_503(settings: SettingsWrapper, tmp_path: Path) -> None:
    blocked = tmp_path / "uploads"
    blocked.write_bytes(b"")  # a file where the folder should be: no upload could be received
    settings.UPLOAD_DIR = blocked
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["uploads"]
