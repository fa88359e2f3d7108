"""Forgetting tag originals nobody's transcript uses any more (after an erasure request)."""

from __future__ import annotations

import json

from django.db import transaction

from review.models import RedactedVersion, RedactionTag
from studies.models import Participant, Study


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
