"""/healthz: the state of the database, the broker and the storage, for load balancers and humans."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    # A fresh connection from the settings each time: a cached one could hide an outage.
    timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
    # A read time-out too: a frozen Redis accepts the connection (the kernel does) and then never answers.
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "socket_timeout": timeout}
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=options) as broker:
        broker.ensure_connection(max_retries=1, timeout=timeout)
        broker.default_channel  # noqa: B018 - opening the channel proves the broker answers


def check_storage() -> None:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}", ContentFile(b"ok"))
    default_storage.delete(name)


def check_uploads() -> None:
    # Uploads in progress land here before they are encrypted into storage: a full or read-only disk must show.
    folder = Path(settings.UPLOAD_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix="healthz-") as probe:
        probe.write(b"ok")
        probe.flush()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
    "uploads": check_uploads,
}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # any failure of a dependency means "down"
            report[name] = f"down: {type(error).__name__}"
        else:
            report[name] = "up"
    down = [name for name, state in report.items() if state != "up"]
    body = {"status": "ok" if not down else "down", "down": down, "checks": report}
    return JsonResponse(body, status=503 if down else 200)
