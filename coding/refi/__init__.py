"""REFI-QDA exchange (../shared/refi-qda/): codebooks (.qdc) now, the parts a .qdpx project export reuses."""

from coding.refi.codebook import CODEBOOK_NS, PROJECT_NS, codes_element, read_codebook, read_codes, write_codebook
from coding.refi.schema import validation_errors

__all__ = [
    "CODEBOOK_NS",
    "PROJECT_NS",
    "codes_element",
    "read_codebook",
    "read_codes",
    "validation_errors",
    "write_codebook",
]
