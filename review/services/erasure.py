"""Forgetting tag originals nobody's transcript uses any more (after an erasure request)."""

from __future__ import annotations

import json

from django.db import transaction

from review.models import RedactedVersion, RedactionTag
from studies.models import Study


@transaction.atomic
def forget_unused_tags(*, study: Study) -> int:
    """Delete the study's tags that no remaining redacted version uses; returns how many.

    The tag table outlives transcripts: when a participant's transcripts are erased, the originals their
    tags held (their name, their email) must go too, unless another transcript still uses the same tag.
    For transcription.services.withdrawal to call after deleting a participant's transcripts.
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
