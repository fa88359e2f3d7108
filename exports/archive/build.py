"""Write a study archive (ZIP) into a file, one member at a time: memory stays flat however large the study is.

Contents: every transcript in every format of `exports.formats` (the redacted version coders read), the
codebook (CSV and REFI-QDA .qdc), codings and excerpts (CSV), consented participants' pseudonymous demographics (CSV),
agreement figures (JSON), a data dictionary of every column and a methods summary computed from the data.
"""

from __future__ import annotations

import contextlib
import gc
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO

from django.db import connection, connections
from django.utils import timezone

from coding.api import agreement_figures
from coding.codetree import CodebookFormatError, tree_from_study
from coding.csv_io import write_codebook_csv
from coding.models import Code
from coding.refi import write_codebook
from coding.selectors import study_agreement
from exports.archive import tables
from exports.archive.methods import methods_figures, methods_text
from exports.formats import FORMATS, ExportTranscript, filename
from exports.formats.csv_format import COLUMNS as SEGMENT_COLUMNS
from exports.formats.stored import export_document
from review.sources import REDACTED_VIEW, version_for
from studies.models import Study
from transcription.models import Transcript

Progress = Callable[[int], None]
COLLECT_EVERY = 50  # transcripts between two runs of the cyclic garbage collector (see _cyclic_collector_paused)
SEGMENT_DESCRIPTIONS = {
    "index": "Position of the segment in the transcript, from 0.",
    "start": "Seconds from the start of the recording.",
    "end": "Seconds from the start of the recording.",
    "start_time": "The start as hh:mm:ss.mmm.",
    "end_time": "The end as hh:mm:ss.mmm.",
    "speaker": "interviewer, or the participant's label.",
    "language": "The segment's language (ISO 639-1).",
    "text": "What was said, de-identified (text a spreadsheet would run as a formula starts with a ').",
}


def _member(archive: zipfile.ZipFile, name: str, pieces: Iterable[bytes], *, compress: bool = True) -> None:
    target: str | zipfile.ZipInfo = name
    if not compress:
        target = zipfile.ZipInfo(name)
        target.compress_type = zipfile.ZIP_STORED
    with archive.open(target, "w", force_zip64=True) as member:
        for piece in pieces:
            member.write(piece)


def _document(transcript: Transcript) -> ExportTranscript | None:
    """The transcript's redacted version as a document, or None when nothing is readable yet."""
    version = version_for(transcript, role=REDACTED_VIEW)
    if version is None:
        return None
    title = f"{transcript.recording.interview.participant.code}_interview-{transcript.recording.interview_id}"
    return export_document(version, title=title, language=transcript.language, redacted=True)


Member = tuple[str, bytes, bool]  # name in the archive, content, whether the archive should compress it


def _rendered(transcript: Transcript) -> list[Member] | None:
    """The transcript in every format, or None when nothing is readable yet."""
    document = _document(transcript)
    if document is None:
        return None
    return [
        (f"transcripts/{fmt.name}/{filename(fmt, document)}", b"".join(fmt.write(document)), not fmt.compressed)
        for fmt in FORMATS
    ]


def _prepared(transcripts: Iterator[Transcript]) -> Iterator[tuple[Transcript, list[Member] | None]]:
    """Rendered transcripts in order. Outside a transaction the next one is read and rendered on a second thread
    (with its own connection) while this one is compressed into the archive: zlib and PostgreSQL work without
    Python's lock, so the two cores stay busy. Inside a transaction (tests) another connection could not see the
    rows, so everything happens here. At most two transcripts are held at a time."""
    if connection.in_atomic_block:
        yield from ((t, _rendered(t)) for t in transcripts)
        return

    with ThreadPoolExecutor(max_workers=1) as renderer:
        pending: tuple[Transcript, Future[list[Member] | None]] | None = None
        try:
            for transcript in transcripts:
                if pending is not None:
                    yield pending[0], pending[1].result()
                pending = (transcript, renderer.submit(_rendered, transcript))
            if pending is not None:
                yield pending[0], pending[1].result()
        finally:
            # The rendering thread's connection, also when the build stops early (a cancelled or failed export).
            renderer.submit(connections.close_all).result()


@contextlib.contextmanager
def _cyclic_collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while transcripts are rendered, on again afterwards.

    Rendering allocates some ten thousand small tuples and dicts per transcript (word timings), all freed by
    reference counting once the transcript is written. The collector found nothing among them, yet it scanned the
    worker's heap again and again: 40 % of the time spent reading transcripts. The queries in between do leave a
    little cyclic garbage, so the caller collects it every COLLECT_EVERY transcripts, which keeps memory flat.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _transcripts(archive: zipfile.ZipFile, study: Study, progress: Progress) -> list[int]:
    rows = Transcript.objects.filter(recording__interview__study=study).select_related(
        "recording__interview__participant"
    )
    total, exported = rows.count(), []
    with _cyclic_collector_paused():
        rendered = _prepared(rows.order_by("id").iterator(chunk_size=200))
        for done, (transcript, members) in enumerate(rendered, start=1):
            if members is not None:
                for name, content, compress in members:
                    _member(archive, name, [content], compress=compress)
                exported.append(transcript.pk)
            if done % COLLECT_EVERY == 0:
                gc.collect()
            if done % 10 == 0 or done == total:
                progress(5 + 80 * done // max(total, 1))
    return exported


def _codebook(archive: zipfile.ZipFile, study: Study) -> None:
    tree = tree_from_study(study.pk)
    _member(archive, "codebook/codebook.csv", [write_codebook_csv(tree).encode()])
    with contextlib.suppress(CodebookFormatError):  # REFI-QDA cannot hold an empty codebook; the CSV shows it empty
        _member(archive, "codebook/codebook.qdc", [write_codebook(tree, origin="Interview research platform")])


def _dictionary(study: Study) -> Iterable[list[object]]:
    for name, columns in (
        ("codings.csv", tables.CODINGS),
        ("excerpts.csv", tables.EXCERPTS),
        ("participants.csv", tables.participant_columns(study)),
    ):
        for column in columns:
            yield [name, column.name, column.description]
    for segment_column in SEGMENT_COLUMNS:
        yield ["transcripts/csv/*.csv", segment_column, SEGMENT_DESCRIPTIONS.get(segment_column, "")]
    yield ["participants.csv", "*", tables.PARTICIPANTS_LISTED]
    yield ["codebook/codebook.csv", "*", "One code per row; the columns are named in its header (coding.csv_io)."]
    yield ["agreement.json", "*", "Agreement per coder pair (percent, Cohen's kappa) and Krippendorff's alpha."]
    yield ["methods.json", "*", "The figures behind methods.md."]
    yield [
        "methods.json",
        "safety",
        "Counts only: safety events by kind and by outcome, follow-ups done and open, partial withdrawals applied.",
    ]


def write_archive(*, study: Study, target: IO[bytes], progress: Progress) -> dict[str, object]:
    """Write the archive into `target`; returns the methods figures. The caller checked the role and audits."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        progress(5)
        exported = _transcripts(archive, study, progress)
        _codebook(archive, study)
        _member(archive, "codings.csv", tables.csv_lines([c.name for c in tables.CODINGS], tables.coding_rows(study)))
        _member(
            archive, "excerpts.csv", tables.csv_lines([c.name for c in tables.EXCERPTS], tables.excerpt_rows(study))
        )
        header = [c.name for c in tables.participant_columns(study)]
        _member(archive, "participants.csv", tables.csv_lines(header, tables.participant_rows(study)))
        progress(90)
        guids = {i: str(g) for i, g in Code.objects.filter(study=study).values_list("id", "guid")}
        figures = agreement_figures(study_agreement(study.pk), guids)
        _member(archive, "agreement.json", [json.dumps(figures, indent=2).encode()])
        _member(archive, "data_dictionary.csv", tables.csv_lines(["file", "column", "description"], _dictionary(study)))
        summary = methods_figures(study, exported=exported)
        summary["exported_at"] = timezone.now().isoformat()
        _member(archive, "methods.json", [json.dumps(summary, indent=2).encode()])
        _member(archive, "methods.md", [methods_text(study, summary).encode()])
    progress(100)
    return summary
