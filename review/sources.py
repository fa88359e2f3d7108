"""Which version of a transcript a caller may read: redacted by default, raw only for owners and researchers.

Every export and API read of transcript text asks here. `review.selectors.visible_version(transcript, role)` gives
the approved (else the latest redacted) version to every role but owner and researcher, and the latest version to
those two; raw machine text is never anyone's default.

Owners and researchers get the redacted version by asking the selector as a coder would see it; raw text only when
they ask for it (`raw=True`), and the caller audit-logs that read.
"""

from __future__ import annotations

from review.selectors import visible_version
from studies.models import Role
from studies.permissions import MANAGERS
from transcription.models import Transcript, TranscriptVersion

# The role whose view is the redacted, approved text (the review app's rule for everyone but managers).
REDACTED_VIEW = Role.CODER


class RawNotAllowed(PermissionError):
    """Raw (unredacted) text was asked for by a role that may not read it."""


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
