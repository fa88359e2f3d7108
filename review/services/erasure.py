"""Forgetting tag originals nobody's transcript uses any more (after an erasure request), and what review holds of
the part of a transcript a partial withdrawal cut."""

from __future__ import annotations

import json

from django.db import transaction

from accounts.audit import record_event
from review.models import MemberCheckComment, RedactedVersion, RedactionMark, RedactionTag
from studies.models import Participant, SafetyEvent, Study
from transcription.models import Segment, TranscriptVersion


@transaction.atomic
def forget_unused_tags(*, study: Study) -> int:
    """Delete the study's tags that no remaining redacted version uses; returns how many.

    The tag table outlives transcripts: when a participant's transcripts are erased, the originals their
    tags held (their name, their email) must go too, unless another transcript still uses the same tag.
    Runs after the participant's transcripts are deleted (`forget_tags_of_erased`, below).
    """
    Study.objects.select_for_update().filter(pk=study.pk).first()  # the lock tag numbering takes
    used: set[str] = set()
    for mapping in RedactedVersion.objects.filter(version__transcript__recording__interview__study=study).values_list(
        "mapping", flat=True
    ):
        used.update(json.loads(mapping or "{}"))
    unused = [tag.pk for tag in RedactionTag.objects.filter(study=study) if tag.tag not in used]
    RedactionTag.objects.filter(pk__in=unused).delete()
    return len(unused)


def forget_tags_of_erased(*, participant: Participant) -> None:
    """Erasure hook (`studies.services.withdrawal.register_erasure_hook`, from ReviewConfig.ready): the study's tag
    table keeps originals (names, emails) only while a transcript still uses them.

    Runs inside the withdrawal's transaction with the participant row locked, after the transcription app's
    withdrawal hook has deleted the person's transcripts.
    """
    forget_unused_tags(study=participant.study)


def forget_after_cut(*, event: SafetyEvent) -> None:
    """Cut hook (`studies.services.partial_withdrawal.register_cut_hook`, from ReviewConfig.ready): once the
    transcription app has deleted the segments after the mark, the redaction marks on them go (they hold the words
    marked), so do the participant's member-checking comments on them, each redacted version keeps only the tags its
    text still shows and the positions its source still
    has, and the study forgets the tags no transcript uses any more.

    Runs inside the partial withdrawal's transaction with the participant row locked, after the transcription app's
    cut hook (INSTALLED_APPS order).
    """
    if event.interview_id is None:
        return
    versions = list(TranscriptVersion.objects.filter(transcript__recording__interview_id=event.interview_id))
    marks = comments = 0
    for version in versions:
        indexes = list(Segment.objects.filter(version=version).values_list("index", flat=True))
        marks += RedactionMark.objects.filter(version=version).exclude(segment__in=indexes).delete()[0]
        # The participant's own comments on what they said after the mark (member checking) go with it.
        gone = MemberCheckComment.objects.filter(member_check__version=version).exclude(segment__in=indexes)
        comments += gone.delete()[0]
    for redacted in RedactedVersion.objects.select_for_update().filter(version__in=versions):
        _trim_redaction(redacted)
    tags = forget_unused_tags(study=event.study)
    record_event(
        action="review.cut",
        actor_label="system",
        study_id=event.study_id,
        target=event,
        detail={"marks": marks, "tags": tags, "comments": comments},
    )


def _trim_redaction(redacted: RedactedVersion) -> None:
    """Drop the mapping's tags the version's text no longer holds, and replacements in segments its source lost."""
    text = redacted.version.text()
    mapping = json.loads(redacted.mapping or "{}")
    kept = {tag: original for tag, original in mapping.items() if tag in text}
    source_indexes = set(Segment.objects.filter(version_id=redacted.source_id).values_list("index", flat=True))
    replacements = [entry for entry in redacted.replacements if entry.get("segment") in source_indexes]
    if kept != mapping or replacements != redacted.replacements:
        redacted.mapping = json.dumps(kept, ensure_ascii=False)
        redacted.replacements = replacements
        redacted.save(update_fields=["mapping", "replacements", "updated_at"])
