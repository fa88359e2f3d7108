"""Saving edits as new versions, restoring an earlier one, and comparing two.

Every save names the version it was made on; if someone saved in between, the save is refused
(VersionConflict) instead of silently replacing their work. The transcript row is locked for the check.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Subquery
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User
from config.fields import Plain
from review.services import search_index, state
from review.services.edits import ROW_FIELDS, Row, apply_operations
from review.services.errors import ReviewError, VersionConflict
from transcription.models import Segment, Transcript, TranscriptVersion


def latest_version(transcript: Transcript) -> TranscriptVersion | None:
    # The translation layer can be as large as the transcript; it is copied inside the database, never read here.
    return transcript.versions.select_related("created_by").defer("translation").order_by("-number").first()


def _rows(version: TranscriptVersion, fields: tuple[str, ...]) -> list[Row]:
    rows = []
    for values in version.segments.order_by("index").values("index", *fields):
        row = Row(values)
        row.source, row.unchanged = row.pop("index"), True
        rows.append(row)
    return rows


def rows_of(version: TranscriptVersion) -> list[Row]:
    """Every field of every segment, in order."""
    return _rows(version, ROW_FIELDS)


def base_rows(version: TranscriptVersion) -> list[Row]:
    """Segments without their word timings, which an edit loads only for the segments it touches."""

    def load_words(index: int) -> list[Any]:
        return version.segments.filter(index=index).values_list("words", flat=True).get()

    rows = _rows(version, tuple(f for f in ROW_FIELDS if f != "words"))
    for row in rows:
        row.load_words = load_words
    return rows


def _author_label(version: TranscriptVersion) -> str:
    if version.created_by is None:
        return _("the transcription engine") if version.is_machine else _("someone")
    return version.created_by.display_name or version.created_by.email


def lock_latest(transcript: Transcript, base_number: object) -> TranscriptVersion:
    """Lock the transcript and return its latest version, refusing when it is not the one the edit was made on."""
    if not isinstance(base_number, int) or isinstance(base_number, bool):
        raise ReviewError(_("The request did not say which version it was made on; reload the page."))
    Transcript.objects.select_for_update().filter(pk=transcript.pk).first()
    latest = latest_version(transcript)
    if latest is None:
        raise ReviewError(_("This transcript has no text yet."))
    if base_number != latest.number:
        when = formats.date_format(latest.created_at, "SHORT_DATETIME_FORMAT")
        message = _(
            "Not saved: %(who)s saved version %(number)s at %(when)s while you were working on version %(base)s. "
            "Reload the page to see their version, then make your change again."
        ) % {"who": _author_label(latest), "number": latest.number, "when": when, "base": base_number}
        raise VersionConflict(message, latest=latest.number)
    return latest


def _copy_runs(rows: list[Row]) -> list[tuple[int, int, int]]:
    """(first source index, last source index, shift) for each run of unchanged rows that moved together."""
    runs: list[tuple[int, int, int]] = []
    for index, row in enumerate(rows):
        if not row.unchanged or row.source is None:
            continue
        shift = index - row.source
        if runs and runs[-1][2] == shift and runs[-1][1] == row.source - 1:
            runs[-1] = (runs[-1][0], row.source, shift)
        else:
            runs.append((row.source, row.source, shift))
    return runs


_COLUMN_OF = {field.name: field.column for field in Segment._meta.concrete_fields}
_COLUMNS = ", ".join(f'"{_COLUMN_OF[name]}"' for name in ROW_FIELDS)
_COPY = (
    f'INSERT INTO {Segment._meta.db_table} ("version_id", "index", {_COLUMNS}) '  # noqa: S608 (names are ours)
    f'SELECT %s, "index" + %s, {_COLUMNS} FROM {Segment._meta.db_table} '
    'WHERE "version_id" = %s AND "index" BETWEEN %s AND %s'
)


def _insert_segments(
    version: TranscriptVersion, rows: list[Row], source: TranscriptVersion | None, *, redacted: bool
) -> None:
    """Unchanged rows are copied inside the database (INSERT ... SELECT, one statement per run); the rest go in
    one bulk insert. Copying 1,500 segments with their word timings through Python took most of a save.

    A copy keeps each value as it was stored, sealed or plain. Rows written through Python are sealed, except
    in a redacted version, whose every row is written as plaintext: a redaction pass has been over all of them,
    and coders, exports and database-side reads (search, lengths) need the plain text."""
    if source is not None and not redacted:
        with connection.cursor() as cursor:
            for first, last, shift in _copy_runs(rows):
                cursor.execute(_COPY, [version.id, shift, source.id, first, last])
    fresh = [(index, row) for index, row in enumerate(rows) if source is None or redacted or not row.unchanged]
    missing = [row.source for _, row in fresh if "words" not in row and row.source is not None]
    if missing and source is not None:
        words = dict(source.segments.filter(index__in=missing).values_list("index", "words"))
        for _, row in fresh:
            if "words" not in row and row.source is not None:
                row["words"] = words[row.source]
    Segment.objects.bulk_create([_segment(version, index, row, redacted) for index, row in fresh], batch_size=2000)


def _segment(version: TranscriptVersion, index: int, row: Row, redacted: bool) -> Segment:
    values = {field: row[field] for field in ROW_FIELDS}
    if redacted:
        values.update(text=Plain(values["text"]), words=Plain(values["words"]))
    return Segment(version=version, index=index, **values)


def write_version(
    *,
    transcript: Transcript,
    rows: list[Row],
    author: User | None,
    source: TranscriptVersion | None = None,
    keep_translation: bool = True,
    redacted: bool = False,
) -> TranscriptVersion:
    """A new version numbered after the latest; rows marked unchanged are copied from `source`. Caller holds the
    transcript lock. The translation layer comes from `source` unless `keep_translation` is false. `redacted`
    stores every row as plaintext (only the redaction pass, which records the RedactedVersion, says so)."""
    latest = latest_version(transcript)
    number = (latest.number if latest else 0) + 1
    version = TranscriptVersion.objects.create(transcript=transcript, number=number, created_by=author)
    if source is not None and keep_translation:
        original = TranscriptVersion.objects.filter(pk=source.pk).values("translation")[:1]
        TranscriptVersion.objects.filter(pk=version.pk).update(translation=Subquery(original))
    _insert_segments(version, rows, source, redacted=redacted)
    state.mark_changed(transcript=transcript)
    search_index.reindex_on_commit(transcript_id=transcript.id)
    return version


@transaction.atomic
def save_edits(*, transcript: Transcript, base_number: object, ops: object, author: User) -> TranscriptVersion:
    """Apply the page's operations to version `base_number` and store the result as a new version.

    Refused with VersionConflict when a newer version exists, and with ReviewError for a bad operation;
    either way nothing is saved. The caller has checked that `author` may edit this transcript.
    """
    base = lock_latest(transcript, base_number)
    rows = apply_operations(base_rows(base), ops)
    version = write_version(transcript=transcript, rows=rows, author=author, source=base)
    state.start_review(transcript=transcript)
    return version


@transaction.atomic
def restore_version(*, transcript: Transcript, number: int, base_number: object, author: User) -> TranscriptVersion:
    """Make a new version with the segments of version `number` (history is never rewritten)."""
    lock_latest(transcript, base_number)
    earlier = transcript.versions.filter(number=number).first()
    if earlier is None:
        raise ReviewError(_("There is no version %(number)s.") % {"number": number})
    version = write_version(transcript=transcript, rows=base_rows(earlier), author=author, source=earlier)
    state.start_review(transcript=transcript)
    return version
