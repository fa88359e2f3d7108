"""Every text format, read back by a real parser for that format, gives the same segments, times and text."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import replace

import pytest
import srt  # type: ignore[import-untyped]  # the package ships no type hints
import webvtt

from config.spreadsheet import defuse_formula
from exports.formats import ExportSegment, render, write_csv, write_json, write_srt, write_text, write_vtt
from exports.formats.registry import format_by_name

from .formats_sample import BIDI_ISOLATES, SAMPLE, SEGMENTS, ms


def test_json_carries_segments_words_speakers_languages_engine_and_version() -> None:
    data = json.loads(b"".join(write_json(SAMPLE)))

    assert [(ms(s["start"]), ms(s["end"]), s["speaker"], s["text"]) for s in data["segments"]] == [
        (ms(s.start), ms(s.end), s.speaker, s.text) for s in SEGMENTS
    ]
    assert data["segments"][0]["words"] == [
        {"start": 0.0, "end": 0.4, "text": "Thanks", "probability": 0.98},
        {"start": 0.4, "end": 0.6, "text": "for", "probability": 0.97},
    ]
    assert data["speakers"] == ["Interviewer", "Participant", "Entrevistador", "प्रतिभागी"]
    assert data["languages"] == ["en", "es", "hi", "ar"]
    assert data["engine"] == {"name": "faster-whisper 1.2.1", "model": "base"}
    assert (data["version"], data["redacted"], data["title"]) == (3, True, "P-017 / Entrevista")


def test_json_of_a_transcript_without_segments_is_valid() -> None:
    empty = type(SAMPLE)(title="P-1", language="", engine="e", model="m", version=1, segments=())

    assert json.loads(b"".join(write_json(empty)))["segments"] == []


def test_srt_parses_back_with_the_srt_library() -> None:
    subtitles = list(srt.parse(b"".join(write_srt(SAMPLE)).decode()))

    assert [(s.index, ms(s.start.total_seconds()), ms(s.end.total_seconds())) for s in subtitles] == [
        (i, ms(s.start), ms(s.end)) for i, s in enumerate(SEGMENTS, start=1)
    ]
    assert [s.content.translate(BIDI_ISOLATES) for s in subtitles] == [f"{s.speaker}: {s.text}" for s in SEGMENTS]


def test_srt_isolates_right_to_left_text_from_the_speaker_label() -> None:
    arabic = next(s for s in srt.parse(b"".join(write_srt(SAMPLE)).decode()) if "كنت" in s.content)

    assert arabic.content == "Participant: \u2068كنت أتحدث مع التطبيق كل ليلة، لمدة ٣ أشهر.\u2069"


def _vtt_ms(clock: str) -> int:
    hours, minutes, seconds = clock.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


def test_webvtt_parses_back_with_webvtt_py_including_voices() -> None:
    captions = webvtt.from_buffer(io.StringIO(b"".join(write_vtt(SAMPLE)).decode())).captions

    assert [(_vtt_ms(c.start), _vtt_ms(c.end)) for c in captions] == [(ms(s.start), ms(s.end)) for s in SEGMENTS]
    assert [html.unescape(c.text) for c in captions] == [s.text for s in SEGMENTS]
    assert [c.voice for c in captions] == [s.speaker for s in SEGMENTS]


def test_csv_parses_back_with_the_csv_module() -> None:
    rows = list(csv.DictReader(io.StringIO(b"".join(write_csv(SAMPLE)).decode(), newline="")))

    assert [(ms(float(r["start"])), ms(float(r["end"])), r["speaker"], r["language"], r["text"]) for r in rows] == [
        (ms(s.start), ms(s.end), s.speaker, s.language, defuse_formula(s.text)) for s in SEGMENTS
    ]
    assert rows[-1]["start_time"] == "01:02:05.500"


def test_csv_follows_rfc_4180_line_endings_and_quoting() -> None:
    raw = b"".join(write_csv(SAMPLE)).decode()

    assert raw.startswith("index,start,end,start_time,end_time,speaker,language,text\r\n")
    assert '"She said ""it helped"", but… <not> always & -- > sure."' in raw
    assert '"First line,\nsecond line"' in raw


def test_the_excel_csv_has_a_byte_order_mark_and_defuses_formulas() -> None:
    raw = render(format_by_name("csv-excel"), SAMPLE)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))

    assert raw.startswith(b"\xef\xbb\xbf")
    assert rows[-1]["text"] == "'=SUM(A1) -starts with a dash"
    assert rows[4]["text"] == SEGMENTS[4].text


@pytest.mark.parametrize("name", ["csv", "csv-excel"])
def test_both_csv_variants_defuse_every_cell_a_spreadsheet_would_run(name: str) -> None:
    said = ['=HYPERLINK("http://x")', "+1 call me", "-2+3", "@SUM(A1)", "\tindented", "\rreturn", "plain"]
    segments = tuple(ExportSegment(i, i + 1.0, "=cmd|' /C calc'!A0", text, "en") for i, text in enumerate(said))
    raw = render(format_by_name(name), replace(SAMPLE, segments=segments)).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))

    assert [r["text"] for r in rows] == [f"'{text}" for text in said[:-1]] + ["plain"]
    assert {r["speaker"] for r in rows} == {"'=cmd|' /C calc'!A0"}


_TEXT_LINE = re.compile(r"^\[(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\] ([^:]+): (.*)$")


def test_plain_text_has_a_header_and_timestamped_speaker_lines_that_parse_back() -> None:
    raw = b"".join(write_text(SAMPLE)).decode()
    header, body = raw.split("\n\n", 1)
    parsed: list[list[object]] = []
    for line in body.splitlines():
        match = _TEXT_LINE.match(line)
        if match:
            parsed.append([_vtt_ms(match[1]), _vtt_ms(match[2]), match[3], match[4]])
        elif line.startswith("    "):
            parsed[-1][3] = f"{parsed[-1][3]}\n{line[4:]}"

    assert "Transcript: P-017 / Entrevista" in header
    assert "faster-whisper 1.2.1" in header
    assert [(a, b, who, str(text).translate(BIDI_ISOLATES)) for a, b, who, text in parsed] == [
        (ms(s.start), ms(s.end), s.speaker, s.text) for s in SEGMENTS
    ]
