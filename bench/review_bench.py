"""Transcript review benchmark (not a test: it prints figures) on a 2-hour transcript (1,500 segments, about
20,000 words with word timings): server time of saving one segment edit (the target is under 200 ms), of the
editor page, and of the de-identification page.

It creates a throw-away PostgreSQL database (DATABASE_URL's name + `_review_bench`, dropped at the end), one
study with a researcher and one machine transcript, then times requests through Django's full stack
(middleware, role check, service, audit entry, JSON or template) as that researcher. Each save is made on the
latest version, so every run writes a complete new version (1,500 segment rows copied).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ip_review_bench REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/review_bench.py [--runs 15]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
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
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
