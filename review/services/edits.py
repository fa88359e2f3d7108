"""Edit operations on a version's segments, as plain dicts: pure functions, so the page and the server agree.

A row is one segment's fields (see ROW_FIELDS). Offsets are Unicode code points into a segment's text. Each
operation refers to indices as they are after the operations before it in the same save.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from config.crypto import SEAL_MARK
from review.services.errors import ReviewError


class Row(dict[str, Any]):
    """One segment's fields. Rows are never changed in place: an operation makes a new row with `but()`, so a
    row still `unchanged` can be copied inside the database. `words` (most of a row's bytes) may be absent and
    loaded on first use through `load_words(source)`."""

    source: int | None = None  # index of the segment in the version the row was read from
    unchanged: bool = False
    load_words: Callable[[int], list[Any]] | None = None

    def __missing__(self, key: str) -> Any:
        if key == "words" and self.source is not None and self.load_words is not None:
            self["words"] = self.load_words(self.source)
            return self["words"]
        raise KeyError(key)

    def but(self, **fields: Any) -> Row:
        new = Row(self, **fields)
        new.source, new.load_words = self.source, self.load_words
        return new


ROW_FIELDS = (
    "start",
    "end",
    "speaker",
    "language",
    "text",
    "avg_logprob",
    "no_speech_prob",
    "compression_ratio",
    "flags",
    "words",
)
MAX_TEXT = 20_000
MAX_SPEAKER = 32
MAX_OPS = 5_000


def _index(rows: Sequence[Row], op: dict[str, Any], key: str = "index") -> int:
    value = op.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(rows):
        raise ReviewError(_("The edit names a segment that does not exist (%(index)s).") % {"index": value})
    return value


def _string(op: dict[str, Any], key: str, limit: int) -> str:
    value = op.get(key)
    if not isinstance(value, str) or len(value) > limit:
        raise ReviewError(_("The edit's %(field)s is missing or too long.") % {"field": key})
    if SEAL_MARK in value:
        # The mark that tells sealed text from plaintext (config.crypto) is a noncharacter no keyboard types.
        raise ReviewError(_("The edit's %(field)s holds a character that is not text.") % {"field": key})
    return value


def _number(op: dict[str, Any], key: str) -> float:
    value = op.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value or value < 0:
        raise ReviewError(_("Times must be numbers of seconds, zero or more."))
    return float(value)


def _words_text(words: Sequence[dict[str, Any]]) -> str:
    return "".join(str(word.get("text", "")) for word in words).strip()


def set_text(rows: list[Row], op: dict[str, Any]) -> None:
    index = _index(rows, op)
    row = rows[index]
    text = _string(op, "text", MAX_TEXT).strip()
    words = row["words"]
    if words and " ".join(_words_text(words).split()) != " ".join(text.split()):
        # Word timings describe the words the machine heard; once the text differs they would mislead.
        words = []
    rows[index] = row.but(text=text, words=words)


def _spoken_by(row: Row, speaker: str) -> Row:
    """The row with a new speaker, and its words too: the machine gives every word its speaker (the API and the
    JSON export show them), and a word must not keep a name the reviewer has replaced."""
    words = [{**word, "speaker": speaker} for word in row["words"]]
    return row.but(speaker=speaker, words=words)


def set_speaker(rows: list[Row], op: dict[str, Any]) -> None:
    speaker = _string(op, "speaker", MAX_SPEAKER).strip()
    index = _index(rows, op)
    rows[index] = _spoken_by(rows[index], speaker)


def rename_speaker(rows: list[Row], op: dict[str, Any]) -> None:
    old = _string(op, "from", MAX_SPEAKER)
    new = _string(op, "to", MAX_SPEAKER).strip()
    if not new:
        raise ReviewError(_("A speaker needs a name."))
    for index, row in enumerate(rows):
        if row["speaker"] == old:
            rows[index] = _spoken_by(row, new)


def set_times(rows: list[Row], op: dict[str, Any]) -> None:
    index = _index(rows, op)
    start, end = _number(op, "start"), _number(op, "end")
    if end < start:
        raise ReviewError(_("A segment cannot end before it starts."))
    rows[index] = rows[index].but(start=start, end=end)


def split_point(row: Row, offset: int) -> tuple[float, int]:
    """The time and word index where a segment splits at `offset` (code points): the first word starting at or
    after the offset when word timings exist, else a time in proportion to the text."""
    words = row["words"]
    joined = "".join(str(word.get("text", "")) for word in words)
    position = -(len(joined) - len(joined.lstrip()))  # the stored text has no leading space
    for number, word in enumerate(words):
        text = str(word.get("text", ""))
        begins = position + len(text) - len(text.lstrip())
        if number > 0 and begins >= offset:
            return float(word["start"]), number
        position += len(text)
    length = max(len(row["text"]), 1)
    return row["start"] + (row["end"] - row["start"]) * offset / length, len(row["words"])


def span_times(row: Row, start: int, end: int) -> tuple[float, float]:
    """When the words between code-point offsets `start` and `end` were spoken: from word timings whose text
    matches the segment's, else the whole segment (for silencing a redacted span in the audio)."""
    words = row["words"]
    joined = "".join(str(word.get("text", "")) for word in words)
    if not words or joined.strip() != row["text"]:
        return row["start"], row["end"]
    position = -(len(joined) - len(joined.lstrip()))
    times: list[float] = []
    for word in words:
        text = str(word.get("text", ""))
        begins = position + len(text) - len(text.lstrip())
        position += len(text)
        if begins < end and position > start:
            times += [float(word["start"]), float(word["end"])]
    return (min(times), max(times)) if times else (row["start"], row["end"])


def split(rows: list[Row], op: dict[str, Any]) -> None:
    index = _index(rows, op)
    row = rows[index]
    offset = op.get("offset")
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 < offset < len(row["text"]):
        raise ReviewError(_("Put the cursor inside the text where the segment should split."))
    at, word = split_point(row, offset)
    at = min(max(at, row["start"]), row["end"])
    left = row.but(text=row["text"][:offset].rstrip(), end=at, words=row["words"][:word])
    right = row.but(text=row["text"][offset:].lstrip(), start=at, words=row["words"][word:], flags=list(row["flags"]))
    rows[index : index + 1] = [left, right]


def merge(rows: list[Row], op: dict[str, Any]) -> None:
    index = _index(rows, op)
    if index + 1 >= len(rows):
        raise ReviewError(_("The last segment has no next segment to merge with."))
    first, second = rows[index], rows[index + 1]
    merged = first.but(
        text=f"{first['text']} {second['text']}".strip(),
        end=max(first["end"], second["end"]),
        words=[*first["words"], *second["words"]],
        flags=list(dict.fromkeys([*first["flags"], *second["flags"]])),
    )
    rows[index : index + 2] = [merged]


OPERATIONS: dict[str, Callable[[list[Row], dict[str, Any]], None]] = {
    "text": set_text,
    "speaker": set_speaker,
    "rename_speaker": rename_speaker,
    "times": set_times,
    "split": split,
    "merge": merge,
}


def apply_operations(rows: list[Row], ops: object) -> list[Row]:
    """The rows after every operation, in order; raises ReviewError (and changes nothing) on a bad one."""
    if not isinstance(ops, list) or len(ops) > MAX_OPS:
        raise ReviewError(_("The edits could not be read."))
    result = list(rows)
    for op in ops:
        if not isinstance(op, dict) or op.get("op") not in OPERATIONS:
            raise ReviewError(_("The edits could not be read."))
        OPERATIONS[op["op"]](result, op)
    return result
