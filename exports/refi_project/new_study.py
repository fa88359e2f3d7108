"""A whole REFI-QDA project imported as a new draft study, owned by the person importing it, in one transaction.

- Sources (text, and transcripts of audio/video sources) become transcripts of recordings without audio: audio is
  never inside a .qdpx we read (REFI links it by path), so segment times come from the sync points and the report
  says the audio is missing. Version 1 is the text as received; version 2, the same text, is recorded as its
  redacted form and approved by the importer: the text was de-identified in the tool it came from (as ours is on
  export), the selections' offsets must stay on the same words, and coders and exports read only approved text.
- The codebook keeps its hierarchy, colours and descriptions (coding.services.imports).
- REFI users become placeholder coders: an inactive account with no usable password, named by the REFI user's name
  and found again by its GUID (refi-<guid>@refi-import.invalid), never a member of any study, so it cannot sign
  in and sees nothing, while each coding keeps its coder apart (agreement and double coding survive). Codings and
  notes without a user are the importer's.
- Cases become participants (the case's name as pseudonym when it is free, else a fresh one), with their
  variables as closed answers of a screening questionnaire made for them; no contact details. A source no case
  points at gets a participant of its own.
- Notes become memos: on the project (free), a source (its transcript), a code, or a selection (its transcript,
  since memos here are on a transcript or a code; the report says so).
Anything invalid (project_problems) refuses the whole import: nothing is created.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record_event
from accounts.models import User
from coding.models import Code, CodebookVersion, Coding, Memo
from coding.services.imports import import_codebook
from exports.refi_project.checks import project_problems
from exports.refi_project.document import Project, ProjectCase, ProjectSource
from exports.refi_project.study_parts import (
    fresh_guid,
    participant_for_case,
    source_transcript,
    store_variables,
)
from studies.models import Participant, Study
from studies.services.screening import create_participant
from studies.services.study_setup import (
    RESERVED_SLUGS,
    SLUG_MAX_LENGTH,
    StudySettings,
    StudySetupError,
    create_draft_study,
)
from transcription.models import TranscriptVersion

COUNT_LABELS = {
    "sources": gettext_lazy("sources, as transcripts"),
    "codes": gettext_lazy("codes"),
    "codings": gettext_lazy("codings"),
    "coders": gettext_lazy("coders (placeholder accounts)"),
    "notes": gettext_lazy("notes, as memos"),
    "cases": gettext_lazy("cases, as participants"),
    "participants made for sources without a case": gettext_lazy("participants made for sources without a case"),
    "variables": gettext_lazy("variables"),
    "variable values": gettext_lazy("variable values"),
}
PLACEHOLDER_DOMAIN = "refi-import.invalid"  # RFC 2606: no mail is ever delivered there


SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ProjectRefused(Exception):
    """The project cannot become a study; `problems` say why (translated); nothing was created."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "")
        self.problems = problems


@dataclass
class StudyImportReport:
    study: Study | None = None
    counts: dict[str, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    def count(self, what: str, number: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + number

    def rows(self) -> list[tuple[str, int]]:
        """(translated label, number) for the report page, in a fixed order."""
        return [(str(label), self.counts.get(key, 0)) for key, label in COUNT_LABELS.items()]


@dataclass
class _State:
    study: Study
    actor: User
    report: StudyImportReport
    coders: dict[uuid.UUID, User]
    book: CodebookVersion | None = None
    versions: dict[uuid.UUID, TranscriptVersion] = field(default_factory=dict)
    coding_guids: set[uuid.UUID] = field(default_factory=set)


def _coders(project: Project, sources: list[ProjectSource]) -> dict[uuid.UUID, User]:
    """A placeholder account for each REFI user who coded or wrote a note (module docstring)."""
    used = {c.user for s in sources for c in s.codings} | {n.user for n in project.notes}
    coders = {}
    for user in project.users:
        if user.guid not in used:
            continue
        account, created = User.objects.get_or_create(
            email=f"refi-{user.guid.hex}@{PLACEHOLDER_DOMAIN}",
            defaults={"display_name": (user.name or "REFI-QDA user")[:150], "is_active": False},
        )
        if created:
            account.set_unusable_password()
            account.save(update_fields=["password"])
        coders[user.guid] = account
    return coders


def _cases(state: _State, project: Project) -> dict[uuid.UUID, Participant]:
    """Participants for the cases; returns source GUID -> participant (the first case naming the source)."""
    made: list[tuple[Participant, ProjectCase]] = []
    of_source: dict[uuid.UUID, Participant] = {}
    for case in project.cases:
        participant, kept = participant_for_case(study=state.study, case=case)
        if not kept:
            state.report.dropped.append(
                _("The case “%(case)s” is not a free pseudonym here, so it became participant %(code)s.")
                % {"case": case.name[:80], "code": participant.code}
            )
        made.append((participant, case))
        for guid in case.sources:
            of_source.setdefault(guid, participant)
    state.report.count("cases", len(made))
    state.report.count("variables", len(project.variables))
    state.report.count("variable values", store_variables(study=state.study, names=project.variables, cases=made))
    return of_source


def _codings(state: _State, source: ProjectSource, version: TranscriptVersion) -> None:
    codes = {code.guid: code for code in Code.objects.filter(study=state.study)}
    text, seen = version.text(), set()
    for item in source.codings:
        coder = state.coders.get(item.user, state.actor) if item.user else state.actor
        key = (coder.pk, item.code, item.start, item.end, item.consensus)
        if key in seen or state.book is None:  # the same code on the same words by the same coder, twice
            state.report.dropped.append(
                _("A repeated coding of selection %(guid)s was left out.") % {"guid": str(item.guid).upper()}
            )
            continue
        seen.add(key)
        Coding.objects.create(
            guid=fresh_guid(item.guid, state.coding_guids),
            transcript_version=version,
            start=item.start,
            end=item.end,
            text=text[item.start : item.end],
            code=codes[item.code],
            coder=coder,
            codebook_version=state.book,
            memo=item.memo,
            consensus=item.consensus,
        )
        state.report.count("codings")


def _sources(state: _State, sources: list[ProjectSource], of_source: dict[uuid.UUID, Participant]) -> None:
    for source in sources:
        participant = of_source.get(source.guid)
        if participant is None:
            participant = create_participant(study=state.study, status=Participant.Status.INTERVIEWED, language="und")
            state.report.count("participants made for sources without a case")
        version = source_transcript(study=state.study, participant=participant, source=source, actor=state.actor)
        state.versions[source.guid] = version
        state.report.count("sources")
        if source.kind != "text" or source.audio_name:
            state.report.dropped.append(
                _(
                    "The audio or video of “%(name)s” is not in the file (REFI-QDA links it): its transcript came in, "
                    "timed by its sync points."
                )
                % {"name": source.name[:80]}
            )
        _codings(state, source, version)


def _memo_targets(project: Project, sources: list[ProjectSource]) -> dict[uuid.UUID, tuple[str, uuid.UUID | None]]:
    """note GUID -> ("source", source GUID) | ("selection", source GUID) | ("code", None) | ("project", None)."""
    targets: dict[uuid.UUID, tuple[str, uuid.UUID | None]] = {}
    for source in sources:
        for coding in source.codings:
            targets.update({note: ("selection", source.guid) for note in coding.notes})
        targets.update({note: ("source", source.guid) for note in source.notes})
    return targets


def _memos(state: _State, project: Project, sources: list[ProjectSource]) -> None:
    targets = _memo_targets(project, sources)
    codes = {code.guid: code for code in Code.objects.filter(study=state.study)}
    taken = set(Memo.objects.filter(guid__in=[n.guid for n in project.notes]).values_list("guid", flat=True))
    for note in project.notes:
        if not note.text.strip():
            state.report.dropped.append(_("The note %(guid)s is empty.") % {"guid": str(note.guid).upper()})
            continue
        kind, source = targets.get(note.guid, ("code" if note.code else "project", None))
        version = state.versions.get(source) if source else None
        if kind == "selection":
            state.report.dropped.append(
                _(
                    "The note %(guid)s on a selection is attached to its source's transcript: memos here are on a "
                    "transcript or a code."
                )
                % {"guid": str(note.guid).upper()}
            )
        Memo.objects.create(
            guid=fresh_guid(note.guid, taken),
            study=state.study,
            author=state.coders.get(note.user, state.actor) if note.user else state.actor,
            title=note.title[:200],
            text=note.text,
            transcript=version.transcript if version else None,
            code=codes.get(note.code) if kind == "code" and note.code else None,
        )
        state.report.count("notes")


def _slug_problems(slug: str) -> list[str]:
    if not SLUG.match(slug) or len(slug) > SLUG_MAX_LENGTH or slug in RESERVED_SLUGS:
        return [
            _("“%(slug)s” cannot be a study's address: use lower-case letters, digits and hyphens (at most %(max)d).")
            % {"slug": slug[:100], "max": SLUG_MAX_LENGTH}
        ]
    if Study.objects.filter(slug=slug).exists():
        return [_("Another study already uses the address “%(slug)s”.") % {"slug": slug}]
    return []


@transaction.atomic
def import_project_as_study(
    *, project: Project, actor: User, slug: str, title: str = "", request: HttpRequest | None = None
) -> StudyImportReport:
    """Create a draft study owned by `actor` from the whole project (module docstring), in one transaction.

    Raises ProjectRefused, with nothing created, when the project or the address is unusable (and CodebookFormatError
    for an unusable codebook). The caller has checked that `actor` may create studies (`may_create_studies`).
    """
    sources = list(project.sources)  # read once: the reader's sources may be a one-pass iterable
    problems = _slug_problems(slug) + project_problems(project, sources)
    if problems:
        raise ProjectRefused(problems)
    report = StudyImportReport()
    try:
        study = create_draft_study(
            creator=actor,
            values=StudySettings(title=(title or project.name or slug).strip()[:200] or slug, languages=["en"]),
            slug=slug,
            request=request,
        )
    except StudySetupError as error:
        raise ProjectRefused([str(error)]) from error
    state = _State(study=study, actor=actor, report=report, coders=_coders(project, sources))
    if project.codes:
        codebook = import_codebook(study=study, actor=actor, nodes=project.codes, source="REFI-QDA project")
        state.book = codebook.version
        report.count("codes", codebook.created)
        report.dropped += codebook.warnings
    taken = Coding.objects.filter(guid__in=[c.guid for s in sources for c in s.codings]).values_list("guid", flat=True)
    state.coding_guids = set(taken)
    _sources(state, sources, _cases(state, project))
    _memos(state, project, sources)
    report.count("coders", len(state.coders))
    report.dropped += project.skipped
    report.study = study
    record_event(
        action="project.imported_as_study",
        actor=actor,
        request=request,
        study_id=study.pk,
        target=study,
        detail={key.replace(" ", "_"): value for key, value in report.counts.items()},
    )
    return report
