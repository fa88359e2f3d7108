"""Debian Chromium for the browser tests, launched headless through Playwright with the flags CI needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


@contextmanager
def launched_chromium(chromium_path: str, *extra_flags: str) -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser), with any extra flags."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=[*CHROMIUM_FLAGS, *extra_flags]
        )
        # ORM calls made inside Playwright's loop get their own connection; close it, or it keeps a session
        # open on the test database and blocks its removal at the end of the run.
        connections.close_all()
