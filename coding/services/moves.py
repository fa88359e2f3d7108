"""Where codebook changes meet codings: merge and split move codings here, and delete asks here first.

The codebook services depend on these two functions only, so they stay the same whatever a coding looks like.
"""

from __future__ import annotations

from collections.abc import Collection

from coding.models import Code


def codings_exist(*, code_ids: Collection[int]) -> bool:
    """Whether any coding uses one of these codes. (No Coding model yet: nothing can.)"""
    return False


def move_codings(*, source: Code, target: Code, coding_ids: Collection[int] | None = None) -> int:
    """Move codings from `source` to `target` (all, or those with `coding_ids`); returns how many moved."""
    return 0
