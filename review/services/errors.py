"""Refusals the review pages show as they are: readable, and free of transcript text or personal data."""

from __future__ import annotations


class ReviewError(ValueError):
    """A request that cannot be carried out as asked; nothing was saved."""


class VersionConflict(ReviewError):
    """Someone saved a newer version since the one the edit was made on."""

    def __init__(self, message: str, *, latest: int) -> None:
        super().__init__(message)
        self.latest = latest
