"""Writes of the coding app: typed, keyword-only functions, one transaction each."""

from coding.services.codebook import (
    CodeDraft,
    add_code,
    current_codebook_version,
    delete_code,
    edit_code,
    merge_codes,
    move_code,
    record_codebook_version,
    split_code,
)
from coding.services.imports import ImportReport, import_codebook

__all__ = [
    "CodeDraft",
    "ImportReport",
    "add_code",
    "current_codebook_version",
    "delete_code",
    "edit_code",
    "import_codebook",
    "merge_codes",
    "move_code",
    "record_codebook_version",
    "split_code",
]
