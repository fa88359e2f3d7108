"""REFI-QDA projects (.qdpx): a study's codebook, transcripts, codings, memos and participants out to QDA tools,
and a project from any tool back in: codebook and codings on our own transcripts into the same study, or the whole
project as a new study (`new_study`)."""

from exports.refi_project.collect import study_project
from exports.refi_project.document import Project, ProjectCase, ProjectCoding, ProjectNote, ProjectSource
from exports.refi_project.importer import ProjectImportReport, import_project
from exports.refi_project.new_study import ProjectRefused, StudyImportReport, import_project_as_study
from exports.refi_project.reader import ProjectFormatError, read_qdpx
from exports.refi_project.writer import write_qdpx

__all__ = [
    "Project",
    "ProjectCase",
    "ProjectCoding",
    "ProjectFormatError",
    "ProjectImportReport",
    "ProjectNote",
    "ProjectRefused",
    "ProjectSource",
    "StudyImportReport",
    "import_project",
    "import_project_as_study",
    "read_qdpx",
    "study_project",
    "write_qdpx",
]
