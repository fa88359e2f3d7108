"""`manage.py transcribe FILE...`: the worker's pipeline from the command line, with a progress bar."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from transcription.pipeline import transcribe
from transcription.results import Track, TranscriptionRequest, TranscriptionResult, UnreadableMedia


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes // 60):02d}:{int(minutes % 60):02d}:{rest:04.1f}"


def as_text(result: TranscriptionResult) -> str:
    """One line per segment: times, speaker, language, text, and any review flags."""
    lines = [f"# language: {result.language} ({result.language_probability:.0%}), {result.model}"]
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
        parser.add_argument("--language", help="a hint (ISO 639-1, e.g. es); confident detection still wins")
        parser.add_argument("--speakers", type=int, default=2, help="voices to tell apart in a mono file")
        parser.add_argument("--format", choices=("txt", "json"), default="txt")
        parser.add_argument("--output-dir", type=Path, help="write FILE.txt/FILE.json here instead of stdout")
        parser.add_argument("--translate", action="store_true", help="add an English translation layer")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["speakers"] < 1:
            raise CommandError("--speakers must be at least 1.")
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"{path} is not a file.")
        for path in options["files"]:
            rendered = self._render(self._transcribe(path, options), options["format"])
            if options["output_dir"] is None:
                self.stdout.write(rendered, ending="")
            else:
                options["output_dir"].mkdir(parents=True, exist_ok=True)
                target = options["output_dir"] / f"{path.stem}.{options['format']}"
                target.write_text(rendered, encoding="utf-8")
                self.stderr.write(f"{path} -> {target}")

    def _transcribe(self, path: Path, options: dict[str, Any]) -> TranscriptionResult:
        request = TranscriptionRequest(
            tracks=(Track(open=lambda: path.open("rb")),),
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
