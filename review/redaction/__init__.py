"""De-identification of transcripts: proposals for what to remove, and consistent study-wide tags.

Pure functions over plain data (no models, no database): the review app feeds segments and identifiers in and
stores what comes out. Offsets are Unicode code points (Python `str` indices).
"""

from .proposals import merge_overlapping, propose_redactions
from .tags import (
    InMemoryTagRegistry,
    ProposalMismatch,
    RedactedText,
    Replacement,
    TagRegistry,
    apply_redactions,
    manual_proposal,
    normalise_key,
    tag_for,
)
from .types import Kind, ParticipantIdentifiers, Proposal, SegmentLike, Source, StudyEntity

__all__ = [
    "InMemoryTagRegistry",
    "Kind",
    "ParticipantIdentifiers",
    "Proposal",
    "ProposalMismatch",
    "RedactedText",
    "Replacement",
    "SegmentLike",
    "Source",
    "StudyEntity",
    "TagRegistry",
    "apply_redactions",
    "manual_proposal",
    "merge_overlapping",
    "normalise_key",
    "propose_redactions",
    "tag_for",
]
