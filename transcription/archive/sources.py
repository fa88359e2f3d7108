"""Which version of a transcript a caller may read, and that version as an `ExportTranscript`.

The decision belongs to the review app: `review.selectors.visible_version(transcript, role)` gives the approved
(else the latest redacted) version to every role but owner and researcher, and the latest version to those two.
Without that app nothing is visible here: exports never fall back to raw machine text.

Redacted is the default for everyone. Owners and researchers get the redacted version by asking the selector as a
coder would see it; raw text only when they ask for it (`raw=True`), and the caller audit-logs that read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from django.db.models import TextField
from django.db.models.functions import Cast

from studies.models import Role
from studies.permissions import MANAGERS
from transcription.formats import ExportSegment, ExportTranscript, words_from_json
from transcription.models import Segment, Transcript, TranscriptVersion

Selector = Callable[[Transcript, str], TranscriptVersion | None]
# The role whose view is the redacted, approved text (the review app's rule for everyone but managers).
REDACTED_VIEW = Role.CODER


class RawNotAllowed(PermissionError):
    """Raw (unredacted) text was asked for by a role that may not read it."""


def _selector() -> Selector | None:
    try:
        module = importlib.import_module("review.selectors")
    except ModuleNotFoundError:
        return None
    return cast("Selector | None", getattr(module, "visible_version", None))


def visible_version(transcript: Transcript, role: str) -> TranscriptVersion | None:
    """The review app's answer; None when the app is absent (never the raw machine version by default)."""
    selector = _selector()
    return selector(transcript, role) if selector is not None else None


def version_for(transcript: Transcript, *, role: str, raw: bool = False) -> TranscriptVersion | None:
    """The version `role` reads: redacted by default; raw only for owners and researchers who ask for it."""
    if raw:
        if role not in MANAGERS:
            raise RawNotAllowed("Only owners and researchers may read raw transcripts.")
        version = visible_version(transcript, role)
        # The latest version is often the redacted one (review.RedactedVersion, reverse name `redaction`); raw
        # text is the version it was redacted from.
        redaction = getattr(version, "redaction", None)
        return redaction.source if redaction is not None else version
    if role not in MANAGERS:
        return visible_version(transcript, role)
    if visible_version(transcript, role) is None:
        return None
    return visible_version(transcript, REDACTED_VIEW)


def export_document(version: TranscriptVersion, *, title: str, language: str, redacted: bool) -> ExportTranscript:
    """The version as the format writers' plain description (segments in order, words included)."""
    # Plain rows with the words as JSON text: no model instances, and orjson instead of the JSONField's decoder.
    rows = (
        Segment.objects.filter(version=version)
        .order_by("index")
        .values_list("start", "end", "speaker", "language", "text", Cast("words", TextField()))
    )
    return ExportTranscript(
        title=title,
        language=language,
        engine=version.engine,
        model=version.model_name,
        version=version.number,
        segments=tuple(
            ExportSegment(start, end, speaker, text, language, words_from_json(words))
            for start, end, speaker, language, text, words in rows
        ),
        redacted=redacted,
    )
