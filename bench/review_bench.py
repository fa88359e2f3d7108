"""Transcript review benchmark (not a test: it prints figures) on a 2-hour transcript (1,500 segments, about
20,000 words with word timings): server time of saving one segment edit (the target is under 200 ms), of the
editor page, and of the de-identification page; with --browser, the editor's load in headless Chromium (time to
the page's DOMContentLoaded and to segments on screen, the script's render time, the longest main-thread task,
the number of word spans present, and a scroll to the end).

It creates a throw-away PostgreSQL database (DATABASE_URL's name + `_review_bench`, dropped at the end), one
study with a researcher and one machine transcript, then times requests through Django's full stack
(middleware, role check, service, audit entry, JSON or template) as that researcher. Each save is made on the
latest version, so every run writes a complete new version (1,500 segment rows copied).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ip_review_bench REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/review_bench.py [--runs 15] [--browser]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

SEGMENTS, SECONDS = 1500, 7200.0
SENTENCE = (
    "I talked to the chatbot at night when I could not sleep and it felt like someone was listening "
    "my therapist was on leave so I used it more often than before but sometimes the answers were generic "
    "and I missed a person who knew my story"
)
VOCABULARY = tuple(SENTENCE.split())


def build_transcript(study: Any, rng: random.Random) -> Any:
    from review.tests.factories import machine_transcript
    from transcription.models import Segment

    texts = [" ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(10, 17))) for _ in range(SEGMENTS)]
    flags = {i: ["low_confidence"] for i in range(0, SEGMENTS, 37)}
    transcript = machine_transcript(study, texts, flags=flags, seconds=SECONDS / SEGMENTS)
    words = Segment.objects.filter(version__transcript=transcript).values_list("words", flat=True)
    print(f"transcript: {SEGMENTS} segments, {sum(len(w) for w in words)} words, {SECONDS / 3600:.0f} h")
    return transcript


def timed(call: Any, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for run in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            call(run)
            times.append((time.perf_counter() - start) * 1000)
        queries = len(captured)
    return statistics.median(times), max(times), queries


def measure(study: Any, transcript: Any, user: Any, runs: int) -> None:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    args = [study.slug, transcript.id]
    save_url, editor_url = reverse("review:save", args=args), reverse("review:editor", args=args)
    state = {"version": 1}

    def save(run: int) -> None:
        ops = [{"op": "text", "index": 700, "text": f"An edited sentence, run {run}."}]
        body = json.dumps({"base": state["version"], "ops": ops})
        response = client.post(save_url, body, content_type="application/json")
        assert response.status_code == 200, response.content
        state["version"] = response.json()["version"]

    def page(name: str) -> Any:
        def get(_run: int) -> None:
            response = client.get(reverse(f"review:{name}", args=args))
            assert response.status_code == 200
            page.size = len(response.content)  # type: ignore[attr-defined]

        return get

    client.get(editor_url)  # warm: connection, templates, imports
    print(f"{'request':<48} {'median ms':>10} {'max ms':>8} {'queries':>8}")
    median, slowest, queries = timed(save, runs)
    print(f"{'save one segment edit (POST .../save/)':<48} {median:>10.0f} {slowest:>8.0f} {queries:>8}")
    for name, label in (("editor", "editor page (GET .../edit/)"), ("redaction", "de-identification page")):
        median, slowest, queries = timed(page(name), max(3, runs // 3))
        print(f"{label:<48} {median:>10.0f} {slowest:>8.0f} {queries:>8}")
        print(f"  page size: {page.size / 1e6:.2f} MB")  # type: ignore[attr-defined]


def browser_load(study: Any, transcript: Any, user: Any) -> None:
    """Serve the app on a free local port (wsgiref, one thread) and open the editor in Debian's Chromium."""
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application
    from django.db import connections
    from django.test import Client
    from django.urls import reverse
    from playwright.sync_api import sync_playwright

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, StaticFilesHandler(get_wsgi_application()), handler_class=Quiet)

    def serve() -> None:
        server.serve_forever()
        connections.close_all()  # this thread's connection, or the database cannot be dropped afterwards

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    client = Client()
    client.force_login(user)
    chromium_path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path, headless=True, args=[*flags, "--no-first-run"])
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
        page = context.new_page()
        page.add_init_script(LONG_TASKS)
        page.goto(base + reverse("review:editor", args=[study.slug, transcript.id]), timeout=120_000)
        page.wait_for_function("() => window.reviewEditor !== undefined", timeout=120_000)
        figures = page.evaluate(FIGURES)
        started = time.perf_counter()
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function("() => document.querySelectorAll('.segment')[1499].getBoundingClientRect().top < 900")
        figures["scroll to the end (ms)"] = round((time.perf_counter() - started) * 1000)
        chromium.close()
    server.shutdown()
    thread.join()
    for label, value in figures.items():
        print(f"  browser: {label}: {value}")


LONG_TASKS = """window.__longest = 0; new PerformanceObserver(list => { for (const e of list.getEntries())
  window.__longest = Math.max(window.__longest, e.duration); }).observe({type: 'longtask', buffered: true});"""
FIGURES = """() => { const nav = performance.getEntriesByType('navigation')[0];
  return {'DOMContentLoaded (ms)': Math.round(nav.domContentLoadedEventEnd),
          'editor script render (ms)': Math.round(window.reviewEditor.renderMs),
          'longest main-thread task (ms)': Math.round(window.__longest),
          'segments': document.querySelectorAll('.segment').length,
          'word spans present': document.querySelectorAll('.w').length}; }"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--browser", action="store_true", help="also time the editor's load in headless Chromium")
    arguments = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    from accounts.models import User
    from studies.models import Role, StudyMembership
    from studies.tests.factories import StudyFactory

    # Its own database, beside (never instead of) the one the tests use.
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_review_bench"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        study = StudyFactory(slug="bench-review")
        user = User.objects.create_user("researcher@bench.example")
        StudyMembership.objects.create(study=study, user=user, role=Role.RESEARCHER)
        transcript = build_transcript(study, random.Random(7))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        measure(study, transcript, user, arguments.runs)
        if arguments.browser:
            browser_load(study, transcript, user)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
