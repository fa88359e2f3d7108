"""The settings refuse an insecure production start, and a production-like configuration is deploy-clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k3Jx9vQ2mZp7Lr8Tn4Wb6Yc1Hd5Fg0Sa-Ue2Io9Pl3Kj7Mn1Bv5Cx8Zq4Wr6Ty0Hu2"
KEYS = {
    "FIELD_ENCRYPTION_KEYS": "cHJvZC1saWtlLWZpZWxkLWtleS0wMTIzNDU2Nzg5YWI=",
    "MEDIA_ENCRYPTION_KEYS": "cHJvZC1saWtlLW1lZGlhLWtleS0wMTIzNDU2Nzg5YWI=",
    "IDENTIFIER_HASH_KEY": "cHJvZC1saWtlLWhhc2gta2V5LTAxMjM0NTY3ODlhYmM=",
    "AUDIT_HMAC_KEYS": "prod:cHJvZC1saWtlLWF1ZGl0LWtleS0wMTIzNDU2Nzg5YWI=",
}


def run_django(tmp_path: Path, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    # Start from a clean environment: no DEBUG, SECRET_KEY or test settings leak in from the runner.
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "SYSTEMROOT"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_it_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run_django(tmp_path, ["check"], ALLOWED_HOSTS="research.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be a random value" in result.stderr


def test_it_refuses_a_short_or_repetitive_secret_key(tmp_path: Path) -> None:
    for key in ["too-short", "a" * 80, "django-insecure-" + STRONG_KEY]:
        result = run_django(tmp_path, ["check"], SECRET_KEY=key, ALLOWED_HOSTS="research.example.org")
        assert result.returncode != 0, key
        assert "SECRET_KEY" in result.stderr


def test_it_refuses_to_start_without_allowed_hosts(tmp_path: Path) -> None:
    result = run_django(tmp_path, ["check"], SECRET_KEY=STRONG_KEY, **KEYS)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must name" in result.stderr


def test_it_refuses_to_start_without_encryption_keys(tmp_path: Path) -> None:
    result = run_django(tmp_path, ["check"], SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="research.example.org")
    assert result.returncode != 0
    assert "MEDIA_ENCRYPTION_KEYS" in result.stderr


def test_a_bucket_without_the_s3_packages_is_refused_with_what_to_install(tmp_path: Path) -> None:
    # boto3 is hidden from this process whether or not the test machine has requirements-s3.txt installed.
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path), "DEBUG": "1"})
    clean["AWS_STORAGE_BUCKET_NAME"] = "study-recordings"
    hide = (
        "import sys, runpy; sys.modules['boto3'] = None; sys.argv = ['manage.py', 'check']; "
        "runpy.run_path('manage.py', run_name='__main__')"
    )
    command = [sys.executable, "-c", hide]
    result = subprocess.run(command, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "pip install -r requirements-s3.txt" in result.stderr
    assert "study-recordings" not in result.stderr


def test_debug_mode_starts_on_embedded_defaults(tmp_path: Path) -> None:
    result = run_django(tmp_path, ["check"], DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_a_production_like_configuration_passes_check_deploy_without_warnings(tmp_path: Path) -> None:
    result = run_django(
        tmp_path,
        ["check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="research.example.org",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/interview_platform",
        REDIS_URL="redis://127.0.0.1:6379/0",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        **KEYS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_debug_the_mail_backend_must_be_chosen_and_console_only_on_purpose(tmp_path: Path) -> None:
    production = {"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "research.example.org", **KEYS}
    result = run_django(tmp_path, ["check"], **production)
    assert result.returncode != 0
    assert "EMAIL_BACKEND must be set when DEBUG is off" in result.stderr
    console = run_django(
        tmp_path, ["check"], EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend", **production
    )
    assert console.returncode == 0, console.stderr


def test_a_postgres_url_runs_on_djangos_backend_and_keeps_its_own_options(tmp_path: Path) -> None:
    script = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        " print(d['ENGINE'], d['OPTIONS'], d['CONN_HEALTH_CHECKS'])"
    )
    url = "postgres://research@db.example.org:5432/interviews?sslmode=require"
    result = run_django(tmp_path, ["shell", "-v", "0", "-c", script], DEBUG="1", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql {'sslmode': 'require'} True"


def test_what_a_worker_prints_such_as_a_console_e_mail_is_logged_at_info() -> None:
    assert celery_app.conf.worker_redirect_stdouts_level == "INFO"
