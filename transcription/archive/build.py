"""Write a study archive (ZIP) into a file, one member at a time: memory stays flat however large the study is.

Contents: every transcript in every format of `transcription.formats` (the redacted version coders read), the
codebook (CSV and REFI-QDA .qdc), codings and excerpts (CSV), participants' pseudonymous demographics (CSV),
agreement figures (JSON), a data dictionary of every column and a methods summary computed from the data.
"""

from __future__ import annotations

import contextlib
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
from studies.models import Study
from transcription.archive import tables
from transcription.archive.methods import methods_figures, methods_text
from transcription.archive.sources import REDACTED_VIEW, export_document, version_for
from transcription.formats import FORMATS, ExportTranscript, filename
from transcription.formats.csv_format import COLUMNS as SEGMENT_COLUMNS
from transcription.models import Transcript

Progress = Callable[[int], None]
SEGMENT_DESCRIPTIONS = {
    "index": "Position of the segment in the transcript, from 0.",
    "start": "Seconds from the start of the recording.",
    "end": "Seconds from the start of the recording.",
    "start_time": "The start as hh:mm:ss.mmm.",
    "end_time": "The end as hh:mm:ss.mmm.",
    "speaker": "interviewer, or the participant's label.",
    "language": "The segment's language (ISO 639-1).",
    "text": "What was said, de-identified.",
}


def _member(archive: zipfile.ZipFile, name: str, pieces: Iterable[bytes]) -> None:
    with archive.open(name, "w", force_zip64=True) as member:
        for piece in pieces:
            member.write(piece)


def _document(transcript: Transcript) -> ExportTranscript | None:
    """The transcript's redacted version as a document, or None when nothing is readable yet."""
    version = version_for(transcript, role=REDACTED_VIEW)
    if version is None:
        return None
    title = f"{transcript.recording.interview.participant.code}_interview-{transcript.recording.interview_id}"
    return export_document(version, title=title, language=transcript.language, redacted=True)


def _prepared(transcripts: Iterator[Transcript]) -> Iterator[tuple[Transcript, ExportTranscript | None]]:
    """Documents in order; outside a transaction the next one is read on a second thread (its own connection)
    while this one is written, so PostgreSQL's work overlaps ours. Inside a transaction (tests) another
    connection could not see the rows, so everything is read here."""
    if connection.in_atomic_block:
        yield from ((t, _document(t)) for t in transcripts)
        return

    with ThreadPoolExecutor(max_workers=1) as reader:
        pending: tuple[Transcript, Future[ExportTranscript | None]] | None = None
        for transcript in transcripts:
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = (transcript, reader.submit(_document, transcript))
        if pending is not None:
            yield pending[0], pending[1].result()
        reader.submit(connections.close_all).result()  # the reading thread's connection


def _transcripts(archive: zipfile.ZipFile, study: Study, progress: Progress) -> list[int]:
    rows = Transcript.objects.filter(recording__interview__study=study).select_related(
        "recording__interview__participant"
    )
    total, exported = rows.count(), []
    for done, (transcript, document) in enumerate(_prepared(rows.order_by("id").iterator(chunk_size=200)), start=1):
        if document is not None:
            for fmt in FORMATS:
                _member(archive, f"transcripts/{fmt.name}/{filename(fmt, document)}", fmt.write(document))
            exported.append(transcript.pk)
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
    yield ["codebook/codebook.csv", "*", "One code per row; the columns are named in its header (coding.csv_io)."]
    yield ["agreement.json", "*", "Agreement per coder pair (percent, Cohen's kappa) and Krippendorff's alpha."]
    yield ["methods.json", "*", "The figures behind methods.md."]


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
