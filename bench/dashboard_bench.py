"""Dashboard benchmark (not a test: it prints figures): server time of each dashboard endpoint for a study with
5,000 screening responses and 200 interviews.

It creates a throw-away PostgreSQL database (DATABASE_URL's name + `_dashboard_bench`, dropped at the end),
fills one study with bulk_create (5,000 participants and screening responses over 12 weeks, quotas on region
and gender, 400 consents, 250 interviews of which 200 completed, 200 recordings with jobs in every state, 150
transcripts, a 20-code codebook, 100 transcripts coded of which 40 double-coded, 60 segments each, about 3,500
codings, 100 safety events), then requests each endpoint through Django's full request stack (middleware,
role check, queries, templates) as the study's owner, and prints the median and slowest server time over the
runs and the number of SQL queries. Agreement is cached by content; the first (cold) coding panel is timed
separately.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ip_dash REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/dashboard_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

RESPONSES, INTERVIEWS, DOUBLE_CODED, SINGLE_CODED, SEGMENTS = 5000, 200, 40, 60, 60
REGIONS = {
    "KE": "africa",
    "NG": "africa",
    "BR": "americas",
    "US": "americas",
    "IN": "asia",
    "JP": "asia",
    "DE": "europe",
    "ES": "europe",
    "AU": "oceania",
}
GENDERS = ["woman", "man", "non_binary"]
CHATBOTS = ["chatgpt", "replika", "pi", "character_ai", "gemini", "claude"]


def status_of(index: int) -> str:
    """Where person `index` is: 200 interviewed, 50 scheduled, 150 consented, 300 invited, ..."""
    bounds = [
        (200, "interviewed"),
        (250, "scheduled"),
        (400, "consented"),
        (700, "invited"),
        (1200, "waitlisted"),
        (3000, "eligible"),
        (3200, "flagged"),
        (4900, "ineligible"),
        (5000, "withdrawn"),
    ]
    return next(status for bound, status in bounds if index < bound)


def build_people(study: Any, rng: random.Random) -> list[Any]:
    from django.utils import timezone

    from studies.models import Participant, ScreeningResponse
    from studies.tests.factories import build_screening

    questionnaire = build_screening(study)
    now = timezone.now()
    people = Participant.objects.bulk_create(
        Participant(study=study, code=f"B-{i:05d}", status=status_of(i), language=rng.choice(["en", "es", "hi"]))
        for i in range(RESPONSES)
    )
    responses = []
    for person in people:
        country, age = rng.choice(list(REGIONS)), rng.randint(18, 70)
        attributes = {
            "age": age,
            "age_band": f"{age // 10 * 10}-{age // 10 * 10 + 9}",
            "country": country,
            "region": REGIONS[country],
            "gender": rng.choice(GENDERS),
            "chatbots": rng.sample(CHATBOTS, rng.randint(1, 3)),
        }
        submitted = now - timedelta(minutes=rng.randint(0, 12 * 7 * 24 * 60))
        responses.append(
            ScreeningResponse(
                study=study,
                questionnaire=questionnaire,
                participant=person,
                form_token=f"bench-{person.code}",
                language=person.language,
                answers=attributes,
                attributes=attributes,
                started_at=submitted - timedelta(minutes=4),
                submitted_at=submitted,
                eligible=person.status != "ineligible",
            )
        )
    ScreeningResponse.objects.bulk_create(responses, batch_size=1000)
    return people


def build_recruitment(study: Any, people: list[Any], rng: random.Random) -> list[Any]:
    from django.utils import timezone

    from studies.models import Consent, Interview, SafetyEvent, Stratum
    from studies.tests.factories import ConsentDocumentFactory

    for region in sorted(set(REGIONS.values())):
        Stratum.objects.create(
            study=study, name=f"Region: {region}", key="region", values=[region], target=40, maximum=60
        )
    for gender in GENDERS:
        Stratum.objects.create(
            study=study, name=f"Gender: {gender}", key="gender", values=[gender], target=60, maximum=90
        )
    document = ConsentDocumentFactory(study=study)
    now = timezone.now()
    Consent.objects.bulk_create(
        Consent(
            participant=p,
            document=document,
            choices={},
            signature_name="Bench",
            signed_at=now,
            language="en",
            text_sha256="0" * 64,
        )
        for p in people[:400] + people[4900:]
    )
    SafetyEvent.objects.bulk_create(
        SafetyEvent(study=study, participant=p, question_key="crisis") for p in rng.sample(people, 100)
    )
    return Interview.objects.bulk_create(
        Interview(
            study=study,
            participant=p,
            status="completed" if i < INTERVIEWS else "scheduled",
            scheduled_start=now - timedelta(days=rng.randint(0, 60)),
        )
        for i, p in enumerate(people[:250])
    )


def build_transcription(interviews: list[Any], rng: random.Random) -> list[Any]:
    from django.utils import timezone

    from transcription.models import Recording, Transcript, TranscriptionJob

    now = timezone.now()
    recordings = Recording.objects.bulk_create(Recording(interview=i) for i in interviews[:INTERVIEWS])
    plan = ["succeeded"] * 150 + ["running"] * 5 + ["failed"] * 10 + ["queued"] * 35
    jobs = []
    for index, (recording, status) in enumerate(zip(recordings, plan, strict=True)):
        finished = now - timedelta(minutes=rng.randint(1, 3 * 24 * 60)) if status in ("succeeded", "failed") else None
        claimed = (finished or now) - timedelta(minutes=rng.randint(2, 20)) if status != "queued" else None
        jobs.append(
            TranscriptionJob(
                recording=recording,
                status=status,
                attempts=int(status != "queued"),
                claimed_at=claimed,
                finished_at=finished,
                heartbeat_at=claimed and now,
                progress=rng.randint(0, 99),
                worker=f"celery@gpu-{index % 3}" if status != "queued" else "",
                device="cuda",
                model_name="large-v3",
                error_message="The stored recording could not be read back." if status == "failed" else "",
            )
        )
    TranscriptionJob.objects.bulk_create(jobs)
    states = ["approved"] * 60 + ["in_coding"] * 40 + ["coded"] * 30 + ["transcribed"] * 20
    return Transcript.objects.bulk_create(
        Transcript(recording=r, state=s, language="en", duration=rng.uniform(1800, 4200))
        for r, s in zip(recordings[:150], states, strict=True)
    )


def build_coding(study: Any, transcripts: list[Any], rng: random.Random) -> None:
    from django.utils import timezone

    from accounts.models import User
    from coding.models import Code, CodebookVersion, Coding, CodingAssignment
    from transcription.models import Segment, TranscriptVersion

    codes = Code.objects.bulk_create(Code(study=study, name=f"Theme {n}") for n in range(20))
    codebook = CodebookVersion.objects.create(study=study, number=1, change="bench")
    coders = [User.objects.create_user(f"coder{n}@bench.example", display_name=f"Coder {n}") for n in range(4)]
    coded = transcripts[: DOUBLE_CODED + SINGLE_CODED]
    versions = TranscriptVersion.objects.bulk_create(TranscriptVersion(transcript=t, number=1) for t in coded)
    text = "She said the chatbot listened when nobody else was awake at night."
    Segment.objects.bulk_create(
        (
            Segment(version=v, index=i, start=i * 5.0, end=i * 5.0 + 4, text=text)
            for v in versions
            for i in range(SEGMENTS)
        ),
        batch_size=2000,
    )
    now, assignments, codings = timezone.now(), [], []
    for number, version in enumerate(versions):
        mine = rng.sample(coders, 2 if number < DOUBLE_CODED else 1)
        for coder in mine:
            assignments.append(
                CodingAssignment(
                    transcript_id=version.transcript_id,
                    transcript_version=version,
                    coder=coder,
                    status="done",
                    finished_at=now,
                )
            )
            for _ in range(25):
                start = rng.randrange(0, SEGMENTS * (len(text) + 1) - 40)
                codings.append(
                    Coding(
                        transcript_version=version,
                        start=start,
                        end=start + rng.randint(5, 40),
                        text="…",
                        code=rng.choice(codes),
                        coder=coder,
                        codebook_version=codebook,
                    )
                )
    CodingAssignment.objects.bulk_create(assignments)
    Coding.objects.bulk_create(codings, batch_size=2000, ignore_conflicts=True)


def timed(client: Any, url: str, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), max(times), len(queries)


def measure(study: Any, runs: int) -> None:
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from studies.models import Role, StudyMembership

    owner = StudyMembership.objects.filter(study=study, role=Role.OWNER).get().user
    client = Client()
    client.force_login(owner)
    cache.clear()
    panel = reverse("dashboard:panel", args=[study.slug, "coding"])
    start = time.perf_counter()
    client.get(panel)
    print(
        f"coding panel, agreement not cached yet (first in this process): {(time.perf_counter() - start) * 1000:.0f} ms"
    )
    cache.clear()
    start = time.perf_counter()
    client.get(panel)
    print(f"coding panel, agreement not cached yet (libraries loaded): {(time.perf_counter() - start) * 1000:.0f} ms")
    print(f"{'endpoint':<44} {'median ms':>10} {'max ms':>8} {'queries':>8}")
    urls = [reverse("studies:detail", args=[study.slug]), reverse("dashboard:page", args=[study.slug])] + [
        reverse("dashboard:panel", args=[study.slug, name])
        for name in ("funnel", "diversity", "transcription", "coding", "safety")
    ]
    client.get(urls[1])  # warm: connection, templates, imports
    for url in urls:
        median, slowest, queries = timed(client, url, runs)
        label = url.replace(study.slug, "<slug>") + (" (reference: the study page)" if url == urls[0] else "")
        print(f"{label:<44} {median:>10.0f} {slowest:>8.0f} {queries:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    arguments = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    from studies.models import Role, StudyMembership
    from studies.tests.factories import StudyFactory

    # Its own database, beside (never instead of) the one the tests use.
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_dashboard_bench"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        rng = random.Random(7)
        started = time.perf_counter()
        study = StudyFactory(slug="bench-dashboard")
        from accounts.models import User

        StudyMembership.objects.create(
            study=study, user=User.objects.create_user("owner@bench.example"), role=Role.OWNER
        )
        people = build_people(study, rng)
        interviews = build_recruitment(study, people, rng)
        build_coding(study, build_transcription(interviews, rng), rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"built the study in {time.perf_counter() - started:.1f} s (database {name})")
        measure(study, arguments.runs)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
