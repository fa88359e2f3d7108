"""REFI-QDA projects (.qdpx): a study's codebook, transcripts, codings, memos and participants out to QDA tools,
and a project from any tool back in (codebook, and codings on our own transcripts)."""

from transcription.refi_project.collect import study_project
from transcription.refi_project.document import Project, ProjectCase, ProjectCoding, ProjectNote, ProjectSource
from transcription.refi_project.importer import ProjectImportReport, import_project
from transcription.refi_project.reader import ProjectFormatError, read_qdpx
from transcription.refi_project.writer import write_qdpx

__all__ = [
    "Project",
    "ProjectCase",
    "ProjectCoding",
    "ProjectFormatError",
    "ProjectImportReport",
    "ProjectNote",
    "ProjectSource",
    "import_project",
    "read_qdpx",
    "study_project",
    "write_qdpx",
]
