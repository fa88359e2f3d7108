"""Where codebook changes meet codings: merge and split move codings here, and delete asks here first.

The codebook services call only these two functions, so the rules for moving codings live in one place.
"""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from coding.codetree import CodebookError
from coding.models import Code, Coding


def codings_exist(*, code_ids: Collection[int]) -> bool:
    """Whether any coding uses one of these codes."""
    return Coding.objects.filter(code_id__in=code_ids).exists()


def move_codings(*, source: Code, target: Code, coding_ids: Collection[int] | None = None) -> int:
    """Move codings from `source` to `target` (all, or those with `coding_ids`); returns how many moved.

    A coding whose coder already has `target` on exactly the same span is a duplicate after the move, so it is
    deleted instead (the span stays coded with `target` once). Each coding keeps the codebook version it was made
    under; the version that records the merge or split says what happened to its code. The caller holds the
    study lock (coding.services.codebook._lock_study).
    """
    codings = Coding.objects.select_for_update().filter(code=source)
    if coding_ids is not None:
        codings = codings.filter(id__in=coding_ids)
        if codings.count() != len(set(coding_ids)):
            raise CodebookError(_("Some of the codings to move are not codings of '%(code)s'.") % {"code": source.name})
    if not target.is_codable and codings.exists():
        raise CodebookError(_("'%(code)s' is a folder and cannot take codings.") % {"code": target.name})
    moved = 0
    for coding in codings:
        duplicate = Coding.objects.filter(
            transcript_version_id=coding.transcript_version_id,
            coder_id=coding.coder_id,
            code=target,
            start=coding.start,
            end=coding.end,
        ).exists()
        if duplicate:
            coding.delete()
        else:
            Coding.objects.filter(pk=coding.pk).update(code=target)
        moved += 1
    return moved
