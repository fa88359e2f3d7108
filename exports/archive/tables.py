"""The CSV tables of a study archive, each described column by column in the data dictionary.

Rows are written as they are read (querysets iterated in chunks), so a large study never sits in memory. Cells
that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) get a leading
apostrophe (`config.spreadsheet`, as in every CSV the platform hands out).
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Length

from coding.analysis import final_codings
from coding.models import Coding
from config.spreadsheet import defuse_formula
from studies.demographics import demographic_keys, demographics_of
from studies.models import Consent, Participant, Study
from transcription.models import Segment


@dataclass(frozen=True)
class Column:
    name: str
    description: str


CODINGS = (
    Column("coding", "The coding's GUID (stable across exports and REFI-QDA projects)."),
    Column("transcript", "The transcript's id."),
    Column("transcript_version", "The number of the transcript version coded (the approved, redacted text)."),
    Column("participant", "The participant's pseudonym."),
    Column("code", "The code's GUID (see codebook/codebook.csv)."),
    Column("code_name", "The code's name when exported."),
    Column("coder", "The coder's user id (team members are numbers here, not names)."),
    Column("start", "First Unicode code point of the span in the version's text (segments joined by a newline)."),
    Column("end", "Code point after the span's last one (half-open: text[start:end])."),
    Column("text", "The coded words."),
    Column("consensus", "true for the adjudicated consensus set, false for one coder's own coding."),
    Column("memo", "The coder's note on this coding."),
    Column("created_at", "When the coding was made (UTC, ISO 8601)."),
)
EXCERPTS = (
    Column("coding", "The coding's GUID (see codings.csv)."),
    Column("code_name", "The code's name."),
    Column("participant", "The participant's pseudonym."),
    Column("time_start", "Seconds from the start of the recording where the excerpt begins (empty if unknown)."),
    Column("time_end", "Seconds from the start of the recording where the excerpt ends (empty if unknown)."),
    Column("text", "The excerpt: final codings only (consensus after adjudication, else a single coder's)."),
)
PARTICIPANT_BASE = (
    Column("participant", "The pseudonym; no contact details or names are exported."),
    Column("status", "Where the person stands in the study: consented, scheduled, interviewed or withdrawn."),
    Column("language", "The language the person took part in (ISO 639-1)."),
)


def _cell(value: object) -> str:
    text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return defuse_formula(text)


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    """UTF-8 CSV (with a byte order mark, so spreadsheet programs pick the encoding), one line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(value) for value in row])
        yield buffer.getvalue().encode()


_PARTICIPANT_CODE = "transcript_version__transcript__recording__interview__participant__code"
# Plain rows rather than model instances: a study of a thousand interviews has tens of thousands of codings.
_CODING_VALUES = (
    "guid",
    "transcript_version__transcript_id",
    "transcript_version__number",
    _PARTICIPANT_CODE,
    "code__guid",
    "code__name",
    "coder_id",
    "start",
    "end",
    "text",
    "consensus",
    "memo",
    "created_at",
)
_EXCERPT_VALUES = ("guid", "code__name", _PARTICIPANT_CODE, "transcript_version_id", "start", "end", "text")
ExcerptRow = tuple[object, str, str, int, int, int, str]


def coding_rows(study: Study) -> Iterator[list[object]]:
    rows = Coding.objects.filter(transcript_version__transcript__recording__interview__study=study)
    for *values, created_at in rows.order_by("id").values_list(*_CODING_VALUES).iterator(chunk_size=1000):
        yield [*values, created_at.isoformat()]


def excerpt_rows(study: Study) -> Iterator[list[object]]:
    """Final codings with their moment in the recording, a thousand at a time."""
    chunk: list[ExcerptRow] = []
    codings = final_codings(study).order_by("transcript_version_id", "start", "id").values_list(*_EXCERPT_VALUES)
    for coding in codings.iterator(chunk_size=1000):
        chunk.append(coding)
        if len(chunk) == 1000:
            yield from _excerpts(chunk)
            chunk = []
    yield from _excerpts(chunk)


def _segment_bounds(version_ids: set[int]) -> dict[int, tuple[list[int], list[tuple[float, float]]]]:
    """Per version: where each segment starts in text() (code points) and its times; no text or words are read."""
    bounds: dict[int, tuple[list[int], list[tuple[float, float]]]] = {}
    rows = Segment.objects.filter(version_id__in=version_ids).order_by("version_id", "index")
    position: dict[int, int] = {}
    for version_id, start, end, length in rows.values_list("version_id", "start", "end", Length("text")).iterator():
        offsets, times = bounds.setdefault(version_id, ([], []))
        offsets.append(position.get(version_id, 0))
        times.append((start, end))
        position[version_id] = offsets[-1] + (length or 0) + 1
    return bounds


def _excerpts(chunk: list[ExcerptRow]) -> Iterator[list[object]]:
    bounds = _segment_bounds({row[3] for row in chunk}) if chunk else {}
    for guid, code_name, participant, version_id, span_start, span_end, text in chunk:
        offsets, times = bounds.get(version_id, ([], []))
        first = bisect_right(offsets, span_start) - 1
        last = bisect_right(offsets, max(span_end - 1, span_start)) - 1
        start = times[first][0] if 0 <= first < len(times) else None
        end = times[last][1] if 0 <= last < len(times) else None
        yield [guid, code_name, participant, start, end, text]


def participant_columns(study: Study) -> tuple[Column, ...]:
    keys = demographic_keys(study.pk)
    return PARTICIPANT_BASE + tuple(
        Column(k, f"Screening answer or derived value '{k}' (closed answers only).") for k in keys
    )


PARTICIPANTS_LISTED = (
    "One row per person who consented: consented, scheduled, interviewed, or withdrawn keeping their data after "
    "consenting. People who were only screened, eligible, ineligible, flagged, waitlisted or invited never agreed to "
    "take part and are not listed; nor is anyone who withdrew asking for everything to be deleted."
)
CONSENTED_STAGES = (Participant.Status.CONSENTED, Participant.Status.SCHEDULED, Participant.Status.INTERVIEWED)


def consented_participants(study: Study) -> QuerySet[Participant]:
    """The people participants.csv lists (PARTICIPANTS_LISTED). A withdrawn row no longer says how far the person
    had come, so their signed consent is the evidence."""
    kept_after_consenting = Q(
        status=Participant.Status.WITHDRAWN,
        withdrawal_scope=Participant.WithdrawalScope.KEEP_DATA,
        has_consent=True,
    )
    return (
        Participant.objects.filter(study=study)
        .annotate(has_consent=Exists(Consent.objects.filter(participant=OuterRef("pk"))))
        .filter(Q(status__in=CONSENTED_STAGES) | kept_after_consenting)
    )


def participant_rows(study: Study) -> Iterator[list[object]]:
    keys = demographic_keys(study.pk)
    people = consented_participants(study).order_by("code")
    for start in range(0, people.count(), 1000):
        page = list(people[start : start + 1000])
        values = demographics_of([p.pk for p in page], keys)
        for p in page:
            facts = values.get(p.pk, {})
            yield [p.code, p.status, p.language, *(_joined(facts.get(k)) for k in keys)]


def _joined(value: object) -> object:
    return "; ".join(map(str, value)) if isinstance(value, list) else value
