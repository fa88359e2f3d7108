"""Bring a codebook tree (read from a .qdc, a .qdpx or a CSV file) into a study's codebook.

Codes are matched by GUID: a code the study already has is updated and moved to where the file puts it, any
other is created with the file's GUID (so a later .qdpx import can find the codes its codings point to). Files
from other tools are taken as they come: a name that is already taken under the same parent gets a numbered
suffix, an empty name becomes "Unnamed code", and each such repair is reported back as a warning.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from coding.codetree import CodebookFormatError, CodeNode, normalise_colour, walk
from coding.models import Code, CodebookVersion
from coding.services.codebook import NAME_MAX, _lock_study, current_codebook_version, record_codebook_version
from studies.models import Study


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    version: CodebookVersion | None = None


def _check_unique_guids(nodes: Sequence[CodeNode]) -> None:
    seen: set[uuid.UUID] = set()
    for node in walk(nodes):
        if node.guid in seen:
            raise CodebookFormatError(
                _("The GUID %(guid)s is used by more than one code in the file.") % {"guid": node.guid}
            )
        seen.add(node.guid)


def _free_name(*, study: Study, parent: Code | None, wanted: str, code: Code | None, report: ImportReport) -> str:
    base = " ".join(wanted.split())[: NAME_MAX - 8]
    if not base:
        base = "Unnamed code"
        report.warnings.append("A code without a name was named 'Unnamed code'.")
    taken = Code.objects.filter(study=study, parent=parent)
    if code is not None:
        taken = taken.exclude(pk=code.pk)
    names = set(taken.values_list("name", flat=True))
    name, number = base, 1
    while name in names:
        number += 1
        name = f"{base} ({number})"
    if name != base:
        report.warnings.append(f"'{base}' was already taken there, so it was imported as '{name}'.")
    return name


def _values(*, parent: Code | None, name: str, node: CodeNode, position: int) -> dict[str, object]:
    return {
        "parent_id": parent.pk if parent else None,
        "name": name,
        "definition": node.definition.strip(),
        "when_to_use": node.when_to_use.strip(),
        "when_not_to_use": node.when_not_to_use.strip(),
        "example": node.example.strip(),
        "colour": normalise_colour(node.colour),
        "is_codable": node.is_codable,
        "position": position,
    }


def _save_node(*, study: Study, parent: Code | None, node: CodeNode, position: int, report: ImportReport) -> Code:
    code = Code.objects.filter(study=study, guid=node.guid).first()
    name = _free_name(study=study, parent=parent, wanted=node.name, code=code, report=report)
    values = _values(parent=parent, name=name, node=node, position=position)
    if code is not None and all(getattr(code, key) == value for key, value in values.items()):
        report.unchanged += 1  # not saved: an unchanged code keeps its updated_at, and the codebook its version
        return code
    if code is None:
        code = Code(study=study, guid=node.guid)
        report.created += 1
    else:
        report.updated += 1
    for key, value in values.items():
        setattr(code, key, value)
    code.save()
    return code


def _import_level(*, study: Study, parent: Code | None, nodes: Sequence[CodeNode], report: ImportReport) -> None:
    # Preorder: a code's parent already has its final place when the code is moved, so no cycle can form.
    start = Code.objects.filter(study=study, parent=parent).exclude(guid__in=[n.guid for n in nodes]).count()
    for offset, node in enumerate(nodes):
        code = _save_node(study=study, parent=parent, node=node, position=start + offset, report=report)
        _import_level(study=study, parent=code, nodes=node.children, report=report)


@transaction.atomic
def import_codebook(*, study: Study, actor: User | None, nodes: Sequence[CodeNode], source: str) -> ImportReport:
    """Merge `nodes` into the study's codebook (see the module docstring) and record one new version, unless
    nothing changed: re-importing an unchanged codebook keeps the latest version (`report.version`).

    `source` names the file's kind for the version history (for example "REFI-QDA codebook").
    Raises CodebookFormatError, with nothing saved, when the tree is unusable.
    """
    if not nodes:
        raise CodebookFormatError(_("The file holds no codes."))
    _check_unique_guids(nodes)
    _lock_study(study)
    report = ImportReport()
    _import_level(study=study, parent=None, nodes=nodes, report=report)
    latest = current_codebook_version(study=study)
    if latest is not None and not report.created and not report.updated:
        report.version = latest
        return report
    report.version = record_codebook_version(study=study, actor=actor, change=f"imported {source}"[:200])
    return report
