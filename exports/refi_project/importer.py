"""Bring a REFI-QDA project into an existing study: its codebook always, its codings where a source is one of our
transcripts. A whole project (sources, cases, notes and all) comes in as a new study instead: `new_study`.

Transcripts are made only from recordings here (no migrations of other apps' models for imported text, and no
invented participants): a source whose GUID is one this platform exported from the study (and whose text is still
that version's text) gets its codings back; any other source is listed in the report with its size and number of
codings, and is not stored. Coders are matched by the GUID we export for each team member; codings by anyone else
are attributed to the person importing. Codings the study already has (same GUID) are left alone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import transaction

from accounts.models import User
from coding.models import Code, CodebookVersion, Coding
from coding.services.imports import import_codebook
from exports.refi_project.collect import source_guid
from exports.refi_project.document import Project, ProjectSource, guid_for
from studies.models import Study
from transcription.models import TranscriptVersion


@dataclass
class SourceReport:
    name: str
    characters: int
    codings: int
    imported: int = 0
    note: str = ""


@dataclass
class ProjectImportReport:
    codes_created: int = 0
    codes_updated: int = 0
    codings_imported: int = 0
    sources: list[SourceReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _our_versions(study: Study) -> dict[uuid.UUID, TranscriptVersion]:
    versions = TranscriptVersion.objects.filter(transcript__recording__interview__study=study)
    return {source_guid(version): version for version in versions}


def _import_codings(
    *,
    source: ProjectSource,
    version: TranscriptVersion,
    study: Study,
    actor: User,
    book: CodebookVersion,
    coders: dict[uuid.UUID, User],
) -> int:
    codes = {code.guid: code for code in Code.objects.filter(study=study)}
    text, known = version.text(), set(Coding.objects.filter(transcript_version=version).values_list("guid", flat=True))
    made = 0
    for item in source.codings:
        code = codes.get(item.code)
        if item.guid in known or code is None or not 0 <= item.start < item.end <= len(text):
            continue
        Coding.objects.create(
            guid=item.guid,
            transcript_version=version,
            start=item.start,
            end=item.end,
            text=text[item.start : item.end],
            code=code,
            coder=coders.get(item.user, actor) if item.user else actor,
            codebook_version=book,
            memo=item.memo,
            consensus=item.consensus,
        )
        made += 1
    return made


@transaction.atomic
def import_project(*, study: Study, actor: User, project: Project) -> ProjectImportReport:
    """Import the project's codebook and, for sources that are our transcripts, their codings (module docstring).

    The caller has checked that `actor` is an owner or researcher of the study. Raises CodebookFormatError with
    nothing saved when the codebook is unusable.
    """
    report = ProjectImportReport()
    book = None
    if project.codes:
        codebook = import_codebook(study=study, actor=actor, nodes=project.codes, source="REFI-QDA project")
        report.codes_created, report.codes_updated, book = codebook.created, codebook.updated, codebook.version
        report.warnings += codebook.warnings
    ours = _our_versions(study)
    members = User.objects.filter(memberships__study=study)
    coders = {guid_for("user", user.pk): user for user in members}
    for source in project.sources:
        entry = SourceReport(source.name, len(source.text), len(source.codings))
        version = ours.get(source.guid)
        if version is None or version.text() != source.text:
            entry.note = "not imported: not a transcript of this study (text sources from other tools are listed only)"
        elif book is None:
            entry.note = "codings not imported: the project has no codebook"
        else:
            entry.imported = _import_codings(
                source=source, version=version, study=study, actor=actor, book=book, coders=coders
            )
        report.codings_imported += entry.imported
        report.sources.append(entry)
    return report
