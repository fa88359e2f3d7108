"""A stored transcript version as the writers' `ExportTranscript`: segments in order, words included.

Which version a caller may read is review's decision (`review.sources.version_for`); this only reads it.
"""

from __future__ import annotations

from django.db.models import TextField
from django.db.models.functions import Cast

from transcription.models import Segment, TranscriptVersion

from .document import ExportSegment, ExportTranscript, words_from_json


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
