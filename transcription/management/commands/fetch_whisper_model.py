"""`manage.py fetch_whisper_model NAME`: put a Whisper model into WHISPER_MODELS_DIR ahead of time.

Workers never download at run time; a GPU image runs this at build time, a CPU box can do it once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from transcription.bundled_model import BUNDLED_NAME, BundledModelCorrupt
from transcription.engine import fetch_model
from transcription.model_checksums import ModelChecksumMismatch, check_fetched_model


class Command(BaseCommand):
    help = f"Fetch a faster-whisper model (large-v3, large-v3-turbo, ... or {BUNDLED_NAME}) into WHISPER_MODELS_DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", default=None, help="model name; default: WHISPER_MODEL")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"] or settings.WHISPER_MODEL
        models_dir = Path(settings.WHISPER_MODELS_DIR)
        try:
            folder = fetch_model(name, models_dir)
            sha256, published = check_fetched_model("base" if name == BUNDLED_NAME else name, Path(folder))
        except (BundledModelCorrupt, ModelChecksumMismatch) as error:
            raise CommandError(str(error)) from error
        except (OSError, ValueError) as error:
            # ValueError: faster-whisper does not know the name; OSError: the hub could not be reached.
            raise CommandError(f"Could not fetch Whisper model {name!r} into {models_dir}: {error}") from error
        self.stdout.write(f"Whisper model {name!r} is ready in {folder}")
        checked = "the publisher's file" if published else "no published hash on record here: keep this one"
        self.stdout.write(f"model.bin SHA-256 {sha256} ({checked})")
