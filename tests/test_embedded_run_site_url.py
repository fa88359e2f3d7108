"""The embedded run on another port sends links to that port (issue #23): SITE_URL follows PORT unless it is set,
in the settings and in every process scripts/run.sh starts. honcho gives each process of Procfile.dev a PORT of its
own (web 8000, worker 8100, mail 8200...), and the mail worker is the one that writes the links, so the test runs
the real honcho with Procfile.dev's processes and asks each of them its SITE_URL. Real processes, nothing mocked."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HONCHO = Path(sys.executable).with_name("honcho")
REPORT = "from config import settings; import os; print('site', os.environ['PORT'], settings.SITE_URL, flush=True)"
LINE = re.compile(r"(\w+)\.1\s*\| site (\d+) (\S+)")

pytestmark = pytest.mark.slow


def clean_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT", "DEBUG"}}
    return {**environment, "VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(ROOT), **extra}


def settings_site_url(tmp_path: Path, **extra: str) -> str:
    command = [sys.executable, "-c", "from config import settings; print(settings.SITE_URL)"]
    environment = clean_environment(tmp_path, DEBUG="1", **extra)
    return subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def test_the_settings_derive_the_site_url_from_the_port_unless_it_is_set(tmp_path: Path) -> None:
    assert settings_site_url(tmp_path) == "http://127.0.0.1:8000"
    assert settings_site_url(tmp_path, PORT="8123") == "http://127.0.0.1:8123"
    assert settings_site_url(tmp_path, PORT="8123", SITE_URL="https://study.example.org/") == (
        "https://study.example.org"
    )


def procfile_reporting_site_url(tmp_path: Path) -> tuple[Path, list[str]]:
    """Procfile.dev's processes, in its order, each printing its PORT and SITE_URL and then idling."""
    names = [line.split(":", 1)[0] for line in (ROOT / "Procfile.dev").read_text().splitlines() if ":" in line]
    procfile = tmp_path / "Procfile"
    procfile.write_text("".join(f'{name}: python -c "{REPORT}"; sleep 60\n' for name in names))
    return procfile, names


def site_urls_under_honcho(tmp_path: Path, **extra: str) -> dict[str, tuple[int, str]]:
    procfile, names = procfile_reporting_site_url(tmp_path)
    script = f'source scripts/lib.sh; embedded_env; exec "{HONCHO}" --procfile "{procfile}" --app-root "{ROOT}" start'
    environment = clean_environment(tmp_path, PATH=f"{HONCHO.parent}:{os.environ['PATH']}", **extra)
    run = subprocess.Popen(  # its own process group: stopped with everything honcho started, and nothing else
        ["bash", "-c", script], cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    seen: dict[str, tuple[int, str]] = {}
    deadline = time.monotonic() + 60
    try:
        assert run.stdout is not None
        while len(seen) < len(names) and time.monotonic() < deadline:
            line = run.stdout.readline()
            if match := LINE.search(line):
                seen[match.group(1)] = (int(match.group(2)), match.group(3))
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=30)
    assert set(seen) == set(names)
    return seen


def test_every_process_of_the_embedded_run_on_another_port_links_to_the_web(tmp_path: Path) -> None:
    seen = site_urls_under_honcho(tmp_path, PORT="8123")

    assert seen["web"] == (8123, "http://127.0.0.1:8123")
    assert seen["mail"][0] != 8123  # honcho's own numbering, which the links must not follow
    assert {url for _port, url in seen.values()} == {"http://127.0.0.1:8123"}


def test_an_explicit_site_url_wins_in_every_process(tmp_path: Path) -> None:
    seen = site_urls_under_honcho(tmp_path, PORT="8123", SITE_URL="https://study.example.org")

    assert {url for _port, url in seen.values()} == {"https://study.example.org"}
