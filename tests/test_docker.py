"""The compose file agrees with the settings: every service's command and environment is one they expect."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from config.env import ENV_VARS

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "gpu-worker", "beat")
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    return data


def command_of(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_it_has_every_service_and_named_volume(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "redis", *APP_SERVICES}
    assert {"media", "models", "pgdata", "redisdata"} <= set(compose["volumes"])


def test_redis_keeps_its_queue_on_disk_and_never_evicts(compose: dict[str, Any]) -> None:
    command = command_of(compose["services"]["redis"])
    assert option(command, "--appendonly") == "yes"
    assert option(command, "--maxmemory-policy") == "noeviction"


def test_app_services_set_only_variables_the_settings_read(compose: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        unknown = set(environment) - set(ENV_VARS)
        assert not unknown, f"{name} sets variables the settings never read: {unknown}"
        for required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
            assert required in environment, f"{name} lacks {required}"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")


def test_workers_consume_queues_the_settings_route_to(compose: dict[str, Any]) -> None:
    known_queues = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= known_queues
    consumed: set[str] = set()
    for name in ("worker", "gpu-worker"):
        command = command_of(compose["services"][name])
        assert command[:4] == ["celery", "-A", "config", "worker"]
        queues = set(option(command, "-Q").split(","))
        assert queues <= known_queues
        consumed |= queues
    assert consumed == known_queues


def test_the_gpu_worker_runs_one_process_with_prefetch_one_on_a_reserved_gpu(compose: dict[str, Any]) -> None:
    service = compose["services"]["gpu-worker"]
    command = command_of(service)
    assert option(command, "-Q") == "transcription"
    assert option(command, "--concurrency") == "1"
    assert option(command, "--prefetch-multiplier") == "1"
    assert service["environment"]["WHISPER_DEVICE"] == "cuda"
    devices = service["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia"
    assert "gpu" in devices[0]["capabilities"]
    assert "Dockerfile.gpu" in service["build"]["dockerfile"]


def test_web_runs_gunicorn_on_the_wsgi_module_after_migrating(compose: dict[str, Any]) -> None:
    command = " ".join(command_of(compose["services"]["web"]))
    assert "manage.py migrate" in command
    assert "gunicorn config.wsgi" in command
    beat = command_of(compose["services"]["beat"])
    assert beat[:4] == ["celery", "-A", "config", "beat"]


def test_the_gpu_image_has_cuda_12_with_cudnn_9_for_ctranslate2() -> None:
    dockerfile = (ROOT / "docker" / "Dockerfile.gpu").read_text()
    base = re.search(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert base is not None
    assert re.match(r"nvidia/cuda:12\.\d+\.\d+-cudnn-runtime", base.group(1)), base.group(1)


def test_env_example_documents_every_variable_once() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    documented = [line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z_]+=", line)]
    assert len(documented) == len(set(documented))
    assert set(documented) == set(ENV_VARS) | COMPOSE_ONLY


def test_the_image_context_leaves_out_local_environments_state_and_history() -> None:
    # The build context is the repository root and the Dockerfiles COPY it whole: a developer's .venv (2 GB),
    # the JavaScript test tools, run-time state (a local database, the demo's logins) or .git must not ride along.
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "tests/js/node_modules", "var", ".env"} <= ignored
