"""SubRip (.srt) and WebVTT (.vtt) subtitles, one cue per segment.

SRT has no speaker markup, so the speaker leads the text ("Interviewer: ..."), with right-to-left text isolated
so the label does not flip it. WebVTT names the speaker in a voice span (<v Interviewer>), which players show
or style without it becoming part of the text. A blank line would end a cue early in both formats, so blank
lines inside a segment are dropped.
"""

from __future__ import annotations

from collections.abc import Iterator

from .document import ExportSegment, ExportTranscript
from .timing import isolate, timestamp


def _cue_lines(segment: ExportSegment) -> list[str]:
    return [line.strip() for line in segment.text.splitlines() if line.strip()] or ["…"]


def write_srt(transcript: ExportTranscript) -> Iterator[bytes]:
    for number, segment in enumerate(transcript.segments, start=1):
        lines = [isolate(line) for line in _cue_lines(segment)]
        lines[0] = f"{segment.speaker}: {lines[0]}" if segment.speaker else lines[0]
        times = f"{timestamp(segment.start, decimal=',')} --> {timestamp(segment.end, decimal=',')}"
        yield f"{number}\n{times}\n{chr(10).join(lines)}\n\n".encode()


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt_voice(speaker: str) -> str:
    # A voice annotation ends at ">" and may not contain a line break.
    return " ".join(_vtt_escape(speaker).split())


def write_vtt(transcript: ExportTranscript) -> Iterator[bytes]:
    yield f"WEBVTT - {_vtt_escape(' '.join(transcript.title.split()))}\n\n".encode()
    for number, segment in enumerate(transcript.segments, start=1):
        lines = [_vtt_escape(line) for line in _cue_lines(segment)]
        if segment.speaker:
            lines = [f"<v {_vtt_voice(segment.speaker)}>{line}</v>" for line in lines]
        times = f"{timestamp(segment.start)} --> {timestamp(segment.end)}"
        yield f"{number}\n{times}\n{chr(10).join(lines)}\n\n".encode()
