"""Transcript search benchmark (not a test: it prints figures): 1,000 transcripts of 10,000 words each, searched
through the blind index (review.search via coding.search.search_page, the service the search page calls: matching,
the capped count, one page of 50 hits decrypted and highlighted). The target is under 200 ms.

It creates a throw-away PostgreSQL database (DATABASE_URL's name + `_search_bench`, dropped at the end), one study
with an owner, 1,000 transcripts of 400 segments of 25 synthetic words (a Zipf-distributed vocabulary of 50,000
made-up words, so some words are in almost every segment and some in a handful), sealed like real raw text, and
their search rows for both audiences (raw and redacted), built with bulk_create. Lexemes come from PostgreSQL's
`to_tsvector('english', ...)` once per vocabulary word (for space-separated words the lexemes of a segment are
those of its words; the script checks this on a sample of segments) and are keyed with the platform's key.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ip_search REDIS_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python bench/search_bench.py [--transcripts 1000] [--runs 7]
"""

from __future__ import annotations

import argparse
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

WORDS_PER_TRANSCRIPT, WORDS_PER_SEGMENT, VOCABULARY = 10_000, 25, 50_000
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words, key=lambda _: rng.random())  # rank order is random, not alphabetical


def keyed_lexemes(words: list[str]) -> dict[str, list[int]]:
    from review.search_terms import keyed, lexemes, search_key

    key = search_key()
    found = lexemes([("english", word) for word in words])
    return {word: keyed(lex, key) for word, lex in zip(words, found, strict=True)}


SEGMENT_COPY = (
    'COPY transcription_segment (version_id, "index", start, "end", speaker, language, text, flags, words) FROM STDIN'
)
ROW_COPY = (
    'COPY review_segmentsearchterms (study_id, transcript_id, version_id, segment_id, audience, "index", language, '
    "start_offset, end_offset, terms) FROM STDIN"
)


def build_transcript(study: Any, number: int, texts: list[str], terms_of: dict[str, list[int]]) -> None:
    """One transcript: its rows through the models, its 400 segments and 800 search rows with COPY (bulk_create
    spends most of its time preparing array values; COPY writes the same rows about ten times faster)."""
    from django.db import connection

    from review.models import SearchAudience
    from studies.tests.factories import InterviewFactory, ParticipantFactory
    from transcription.models import Segment, Transcript, TranscriptVersion
    from transcription.tests.factories import RecordingFactory

    person = ParticipantFactory(study=study, code=f"B-{number:05d}")
    recording = RecordingFactory(interview=InterviewFactory(participant=person, study=study))
    transcript = Transcript.objects.create(recording=recording, language="en", duration=4.0 * len(texts))
    version = TranscriptVersion.objects.create(transcript=transcript, number=1, is_machine=True, engine="bench")
    text_field, words_field = Segment._meta.get_field("text"), Segment._meta.get_field("words")
    no_words, no_flags = (
        words_field.get_db_prep_save([], connection),
        Segment._meta.get_field("flags").get_db_prep_save([], connection),
    )
    with connection.cursor() as cursor:
        with cursor.copy(SEGMENT_COPY) as copy:
            for i, text in enumerate(texts):
                sealed = text_field.get_db_prep_save(text, connection)  # sealed like a machine version's text
                copy.write_row((version.id, i, 4.0 * i, 4.0 * i + 3.5, "", "en", sealed, no_flags, no_words))
        ids = dict(Segment.objects.filter(version=version).values_list("index", "id"))
        offset = 0
        with cursor.copy(ROW_COPY) as copy:
            for i, text in enumerate(texts):
                terms = sorted({term for word in text.split() for term in terms_of[word]})
                for audience in SearchAudience.values:
                    row = (study.id, transcript.id, version.id, ids[i], audience, i, "en", offset, offset + len(text))
                    copy.write_row((*row, terms))
                offset += len(text) + 1


def check_sample(texts: list[str], terms_of: dict[str, list[int]]) -> None:
    """The shortcut above equals lexemising whole segments, as the indexing service does."""
    from review.search_terms import keyed, lexemes, search_key

    whole = lexemes([("english", text) for text in texts])
    for text, lex in zip(texts, whole, strict=True):
        assert sorted(keyed(lex, search_key())) == sorted({t for w in text.split() for t in terms_of[w]}), text


def build(study: Any, transcripts: int, rng: random.Random) -> list[str]:
    from review.models import SearchIndexState
    from transcription.models import Transcript

    vocab = vocabulary(rng)
    terms_of = keyed_lexemes(vocab)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    started = time.perf_counter()
    for number in range(transcripts):
        words = rng.choices(vocab, cum_weights=None, weights=weights, k=WORDS_PER_TRANSCRIPT)
        texts = [" ".join(words[i : i + WORDS_PER_SEGMENT]) for i in range(0, len(words), WORDS_PER_SEGMENT)]
        if number == 0:
            check_sample(texts[:200], terms_of)
        build_transcript(study, number, texts, terms_of)
        if number % 100 == 99:
            print(f"  {number + 1} transcripts built ({time.perf_counter() - started:.0f} s)", flush=True)
    states = [SearchIndexState(transcript=t, study=study, languages=["en"]) for t in Transcript.objects.all()]
    SearchIndexState.objects.bulk_create(states)
    return vocab


def measure(membership: Any, vocab: list[str], runs: int) -> None:
    from coding.search import search_page

    queries = {
        "most common word (in most segments)": vocab[0],
        "common word (rank 100)": vocab[100],
        "middling word (rank 2,000)": vocab[2000],
        "rare word (rank 40,000)": vocab[40000],
        "two words, AND (ranks 10 and 500)": f"{vocab[10]} {vocab[500]}",
        "three words, AND (ranks 3, 30, 300)": f"{vocab[3]} {vocab[30]} {vocab[300]}",
        "absent word": "qqqxyz",
    }
    search_page(membership=membership, cleaned={"q": "warm"})  # the process's first query loads configurations
    medians = []
    for label, q in queries.items():
        times, results = [], None
        for _ in range(runs):
            start = time.perf_counter()
            results = search_page(membership=membership, cleaned={"q": q, "code": None, "stratum": None})
            times.append((time.perf_counter() - start) * 1000)
        assert results is not None
        hits = sum(len(group.hits) for group in results.groups)
        total = f">{results.total}" if results.more_than else str(results.total)
        medians.append(statistics.median(times))
        print(f"{label:40s} hits {total:>6s}  page {hits:3d}  median {medians[-1]:7.1f} ms  max {max(times):7.1f} ms")
    print(
        f"median over the queries: {statistics.median(medians):.1f} ms; slowest query's median: {max(medians):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    arguments = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    from accounts.models import User
    from studies.models import Role, StudyMembership
    from studies.tests.factories import StudyFactory

    # Its own database, beside (never instead of) the one the tests use.
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_search_bench"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        study = StudyFactory(slug="bench-search")
        user = User.objects.create_user("owner@bench.example")
        membership = StudyMembership.objects.create(study=study, user=user, role=Role.OWNER)
        started = time.perf_counter()
        vocab = build(study, arguments.transcripts, random.Random(11))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE review_segmentsearchterms")
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('review_segmentsearchterms'))")
            size = cursor.fetchone()[0]
        words = arguments.transcripts * WORDS_PER_TRANSCRIPT
        print(f"built {arguments.transcripts} transcripts, {words:,} words in {time.perf_counter() - started:.0f} s;")
        print(f"search rows (both audiences) with their indexes: {size}")
        measure(membership, vocab, arguments.runs)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
