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
from coding.services.codings import (
    CodingError,
    add_coding,
    add_codings,
    assign_transcript,
    delete_memo,
    edit_coding,
    edit_memo,
    finish_assignment,
    remove_coding,
    start_assignment,
    write_memo,
)
from coding.services.imports import ImportReport, import_codebook

__all__ = [
    "CodeDraft",
    "CodingError",
    "ImportReport",
    "add_code",
    "add_coding",
    "add_codings",
    "assign_transcript",
    "current_codebook_version",
    "delete_code",
    "delete_memo",
    "edit_code",
    "edit_coding",
    "edit_memo",
    "finish_assignment",
    "import_codebook",
    "merge_codes",
    "move_code",
    "record_codebook_version",
    "remove_coding",
    "split_code",
    "start_assignment",
    "write_memo",
]
