"""`manage.py transcribe FILE...`: the worker's pipeline from the command line, with a progress bar.

Each file is one recording, unless `--tracks` says the files are one recording's tracks (one speaker each). A file
whose channels carry different audio (a phone-call recorder's two sides) is transcribed channel by channel, one
speaker per channel, as the web upload's "stereo" layout does; `--channels mix` mixes them down instead. The
language is the worker's (transcription.spoken_language): the one heard longest; silence or a tone prints "No speech".
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from transcription.audio import channel_count, channels_differ
from transcription.pipeline import transcribe
from transcription.results import Track, TranscriptionRequest, TranscriptionResult, UnreadableMedia


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes // 60):02d}:{int(minutes % 60):02d}:{rest:04.1f}"


def as_text(result: TranscriptionResult) -> str:
    """One line per segment: times, speaker, language, text, and any review flags."""
    if result.has_speech:
        lines = [f"# language: {result.language} ({result.language_probability:.0%}), {result.model}"]
    else:  # silence, a tone or noise: no language to name, not even the hint's
        lines = [f"# {_('No speech')}, {result.model}"]
    for segment in result.segments:
        flags = f"  [{', '.join(segment.flags)}]" if segment.flags else ""
        lines.append(
            f"[{_clock(segment.start)} - {_clock(segment.end)}] {segment.speaker} ({segment.language}): "
            f"{segment.text}{flags}"
        )
    if result.translation is not None:
        lines.append("# English translation")
        lines += [f"[{_clock(s.start)} - {_clock(s.end)}] {s.speaker}: {s.text}" for s in result.translation]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Transcribe audio or video files with the configured Whisper model (the worker's pipeline)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--language", help="a hint for speech Whisper is unsure of (ISO 639-1, e.g. es); what it hears wins"
        )
        parser.add_argument("--speakers", type=int, default=2, help="voices to tell apart in a mono file")
        parser.add_argument("--format", choices=("txt", "json"), default="txt")
        parser.add_argument("--output-dir", type=Path, help="write FILE.txt/FILE.json here instead of stdout")
        parser.add_argument("--translate", action="store_true", help="add an English translation layer")
        parser.add_argument(
            "--channels",
            choices=("auto", "speakers", "mix"),
            default="auto",
            help="speakers: one speaker per channel; mix: mix down and find speakers; auto (default): speakers "
            "when the channels carry different audio",
        )
        parser.add_argument(
            "--tracks", action="store_true", help="the files are one recording's tracks, one speaker each"
        )
        parser.add_argument(
            "--speaker-names", help="comma-separated names for the channels or tracks, in order (default SPEAKER_1…)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["speakers"] < 1:
            raise CommandError("--speakers must be at least 1.")
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"{path} is not a file.")
        recordings = [options["files"]] if options["tracks"] else [[path] for path in options["files"]]
        for paths in recordings:
            path = paths[0]
            rendered = self._render(self._transcribe(paths, options), options["format"])
            if options["output_dir"] is None:
                self.stdout.write(rendered, ending="")
            else:
                options["output_dir"].mkdir(parents=True, exist_ok=True)
                target = options["output_dir"] / f"{path.stem}.{options['format']}"
                target.write_text(rendered, encoding="utf-8")
                self.stderr.write(f"{path} -> {target}")

    def _transcribe(self, paths: list[Path], options: dict[str, Any]) -> TranscriptionResult:
        path = paths[0]
        try:
            tracks = _tracks(paths, options)
        except UnreadableMedia as error:
            raise CommandError(f"{path}: {error}") from error
        request = TranscriptionRequest(
            tracks=tracks,
            language_hint=options["language"],
            expected_speakers=options["speakers"],
            translate_to_english=options["translate"],
        )
        with tqdm(total=0.0, unit="s", desc=path.name, file=sys.stderr, leave=False) as bar:

            def advance(done: float, total: float) -> None:
                bar.total = round(total, 1)
                bar.update(round(done - bar.n, 1))

            try:
                return transcribe(request, on_progress=advance)
            except UnreadableMedia as error:
                raise CommandError(f"{path}: {error}") from error

    @staticmethod
    def _render(result: TranscriptionResult, style: str) -> str:
        if style == "json":
            return json.dumps(asdict(result), ensure_ascii=False, indent=2) + "\n"
        return as_text(result)


def _opener(path: Path) -> Any:
    return lambda: path.open("rb")


def _names(options: dict[str, Any], count: int) -> list[str]:
    given = [name.strip() for name in (options["speaker_names"] or "").split(",") if name.strip()]
    if given and len(given) != count:
        raise CommandError(f"--speaker-names names {len(given)} speaker(s) for {count} channel(s) or track(s).")
    return given or [f"SPEAKER_{number}" for number in range(1, count + 1)]


def _tracks(paths: list[Path], options: dict[str, Any]) -> tuple[Track, ...]:
    """The request's tracks: one per file with --tracks; one per channel when the channels are speakers; else the
    whole file, whose speakers are found by clustering."""
    if options["tracks"]:
        names = _names(options, len(paths))
        return tuple(Track(open=_opener(path), speaker=name) for path, name in zip(paths, names, strict=True))
    whole = Track(open=_opener(paths[0]))
    mode = options["channels"]
    split = mode == "speakers" or (mode == "auto" and channels_differ(whole))
    count = channel_count(whole) if split else 1
    if count < 2:
        return (whole,)
    names = _names(options, count)
    return tuple(Track(open=whole.open, speaker=names[channel], channel=channel) for channel in range(count))
