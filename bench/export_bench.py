"""Study archive benchmark (not a test: it prints figures): 1,000 transcripts of 10,000 words each.

It creates a throw-away PostgreSQL database (DATABASE_URL's name + `_export_bench`, dropped at the end), fills one
study with bulk_create (1,000 participants, interviews, recordings and approved transcripts of 100 segments x 100
words with word timings, a 20-code codebook and 20 codings per transcript, all single-coded and done), then runs
the archive export service (`exports.services.jobs.run_export`: every transcript in every format, tables,
summaries, streamed into a temporary file and encrypted into storage) in a child process, and prints its wall
time, CPU time, peak memory and the archive's size.

Peak memory is the child's own high-water mark (VmHWM in /proc/self/status). Not ru_maxrss: Python starts the
child with vfork, and Linux then counts the parent's peak (this script's, after filling the database) in the
child's ru_maxrss as well, for RUSAGE_SELF and RUSAGE_CHILDREN alike.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ip_api REDIS_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python bench/export_bench.py [--transcripts 1000] [--words 10000] [--keep NAME]

`--keep NAME` fills database NAME once and keeps it: later runs with the same NAME only export, so that two
versions of the code can be timed alternately on the same data (run each from its own checkout).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
WORDS = ["the", "chatbot", "helps", "me", "at", "night", "when", "I", "cannot", "sleep", "and", "tell", "it", "things"]
SEGMENT_WORDS = 100


def segments_for(version: Any, words: int, rng: random.Random) -> list[Any]:
    from transcription.models import Segment

    rows, clock = [], 0.0
    for index in range(words // SEGMENT_WORDS):
        said = [rng.choice(WORDS) for _ in range(SEGMENT_WORDS)]
        start = clock
        timed = [
            {"start": round(start + i * 0.35, 2), "end": round(start + i * 0.35 + 0.3, 2), "text": word}
            for i, word in enumerate(said)
        ]
        clock = start + SEGMENT_WORDS * 0.35
        text = " ".join(said)
        speaker = "interviewer" if index % 2 == 0 else "participant"
        rows.append(
            Segment(
                version=version,
                index=index,
                start=round(start, 2),
                end=round(clock, 2),
                speaker=speaker,
                language="en",
                text=text,
                words=timed,
            )
        )
    return rows


def build(transcripts: int, words: int) -> int:
    """The study; returns its id."""
    from django.utils import timezone

    from accounts.models import User
    from coding.models import Code, CodebookVersion, Coding, CodingAssignment
    from review.models import Approval
    from studies.models import Interview, Participant, Role, Study, StudyMembership
    from transcription.models import Recording, Segment, Transcript, TranscriptVersion

    rng, now = random.Random(7), timezone.now()
    study = Study.objects.create(title="Export bench", slug="export-bench", languages=["en"])
    coder = User.objects.create_user("coder@bench.example")
    StudyMembership.objects.create(study=study, user=coder, role=Role.CODER)
    codes = Code.objects.bulk_create([Code(study=study, name=f"Code {n}", position=n) for n in range(20)])
    book = CodebookVersion.objects.create(study=study, number=1, change="bench", snapshot=[])
    people = Participant.objects.bulk_create(
        [Participant(study=study, code=f"B-{n:05d}", status="interviewed") for n in range(transcripts)]
    )
    interviews = Interview.objects.bulk_create(
        [Interview(study=study, participant=p, status="completed", scheduled_start=now) for p in people]
    )
    recordings = Recording.objects.bulk_create([Recording(interview=i) for i in interviews])
    rows = Transcript.objects.bulk_create(
        [Transcript(recording=r, state="approved", language="en", duration=words * 0.35) for r in recordings]
    )
    versions = TranscriptVersion.objects.bulk_create(
        [
            TranscriptVersion(transcript=t, number=1, is_machine=True, engine="faster-whisper 1.2.1", model_name="base")
            for t in rows
        ]
    )
    Approval.objects.bulk_create([Approval(transcript=t, version=v) for t, v in zip(rows, versions, strict=True)])
    for start in range(0, len(versions), 10):
        chunk = versions[start : start + 10]
        Segment.objects.bulk_create([s for v in chunk for s in segments_for(v, words, rng)], batch_size=500)
    text_length = (words // SEGMENT_WORDS) * 500  # a lower bound on each text's length in code points
    CodingAssignment.objects.bulk_create(
        [
            CodingAssignment(transcript=t, transcript_version=v, coder=coder, status="done", finished_at=now)
            for t, v in zip(rows, versions, strict=True)
        ]
    )
    codings = []
    for version in versions:
        for n in range(20):
            begin = rng.randrange(0, text_length - 50)
            codings.append(
                Coding(
                    transcript_version=version,
                    start=begin,
                    end=begin + 40,
                    text="x" * 40,
                    code=codes[n],
                    coder=coder,
                    codebook_version=book,
                )
            )
    Coding.objects.bulk_create(codings, batch_size=2000)
    return study.pk


def child(study_id: int) -> None:
    """Runs in its own process, so that its peak memory is the export's."""
    import django

    django.setup()
    from accounts.models import User
    from exports.models import ExportJob
    from exports.services.enqueue import request_export
    from exports.services.jobs import run_export
    from studies.models import Study

    study, user = Study.objects.get(pk=study_id), User.objects.get(email="coder@bench.example")
    export_id = request_export(study=study, user=user, kind="archive").pk
    started, cpu = time.perf_counter(), time.process_time()
    if os.environ.get("EXPORT_BENCH_PROFILE"):
        import cProfile
        import pstats

        with cProfile.Profile() as profile:
            run_export(export_id)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    else:
        run_export(export_id)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    from django.core.files.storage import default_storage

    from config.media import delete_media

    job = ExportJob.objects.get(pk=export_id)
    size = default_storage.size(job.storage_name)
    print(f"export: {wall:.1f} s wall, {cpu:.1f} s CPU in the worker, archive {size / 2**20:.0f} MiB (encrypted)")
    delete_media(job.storage_name)
    print(f"peak memory of the export process: {_high_water_mib():.0f} MiB (target < 300 MB)")


def _high_water_mib() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=10000)
    parser.add_argument("--keep", metavar="NAME", help="fill database NAME once, keep it and reuse it")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        return child(arguments.child)
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict["TEST"]["NAME"] = arguments.keep or f"{connection.settings_dict['NAME']}_export_bench"
    name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=bool(arguments.keep), serialize=False
    )
    try:
        from studies.models import Study

        existing = Study.objects.filter(slug="export-bench").values_list("pk", flat=True).first()
        if existing is None:
            started = time.perf_counter()
            study_id = build(arguments.transcripts, arguments.words)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(
                f"built {arguments.transcripts} transcripts x {arguments.words} words in "
                f"{time.perf_counter() - started:.0f} s (database {name}); {os.cpu_count()} CPUs"
            )
        else:
            study_id = existing
            print(f"reusing the study in database {name} (--transcripts and --words are ignored)")
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
        command = [sys.executable, __file__, "--child", str(study_id)]
        subprocess.run(command, check=True, env={**os.environ, "DATABASE_URL": url})
    finally:
        connection.close()
        if not arguments.keep:
            connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
