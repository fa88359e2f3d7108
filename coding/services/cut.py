"""What a partial withdrawal after a distress mark means for codings (a cut hook of
studies.services.partial_withdrawal, registered from CodingConfig.ready).

Offsets are code points into a version's text, its segments joined by "\\n". The transcription app's hook, which
runs first, keeps a prefix of each version's segments, so the text kept is a prefix of the old one: a coding that
starts at or after its end is deleted (its memo with it), one that crosses it now ends there and keeps only the
words before (`text` is cut too), and every other coding stays exactly as it was. Adjudication decisions on the
deleted segments went with them (transcription.services.withdrawal.delete_with_dependents).
"""

from __future__ import annotations

from accounts.audit import record_event
from coding.models import Coding
from studies.models import SafetyEvent
from transcription.models import TranscriptVersion


def cut_codings_after_mark(*, event: SafetyEvent) -> None:
    """Cut hook: the codings of the event's interview lose what lies after the text kept.

    Runs inside the partial withdrawal's transaction with the participant row locked, after the transcription app's
    cut hook (INSTALLED_APPS order). A voice interview's removed answers took their codings with them; the answers
    kept have their whole text, so nothing here changes them.
    """
    if event.interview_id is None:
        return
    counts = {"deleted": 0, "shortened": 0}
    for version in TranscriptVersion.objects.filter(transcript__recording__interview_id=event.interview_id):
        text = version.text()
        kept = len(text)
        deleted, _per_model = Coding.objects.filter(transcript_version=version, start__gte=kept).delete()
        counts["deleted"] += deleted
        for coding in Coding.objects.select_for_update().filter(transcript_version=version, end__gt=kept):
            counts["shortened" if _shorten(coding, text) else "deleted"] += 1
    record_event(action="coding.cut", actor_label="system", study_id=event.study_id, target=event, detail=counts)


def _shorten(coding: Coding, text: str) -> bool:
    """End the coding where the text now ends; False when the same coder already has that span with that code (the
    coding is then deleted: one coding per span, code and coder)."""
    end = len(text)
    twin = Coding.objects.filter(
        transcript_version_id=coding.transcript_version_id,
        coder_id=coding.coder_id,
        code_id=coding.code_id,
        start=coding.start,
        end=end,
        consensus=coding.consensus,
    ).exclude(pk=coding.pk)
    if twin.exists():
        coding.delete()
        return False
    coding.end, coding.text = end, text[coding.start : end]
    coding.save(update_fields=["end", "text", "updated_at"])
    return True
