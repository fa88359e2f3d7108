"""Codebook changes: each one runs in one transaction and ends by recording a new CodebookVersion.

Every writer first locks the study row (`_lock_study`), so two people editing one codebook take turns: version
numbers never collide and the name checks below cannot race. Callers have checked the acting person's role.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import User
from coding.codetree import CodebookError, normalise_colour, tree_from_study, tree_to_data
from coding.models import Code, CodebookVersion
from coding.services import moves
from studies.models import Study

NAME_MAX = 255


@dataclass(frozen=True)
class CodeDraft:
    """The fields of a code to be made (by `split_code`, or by a form)."""

    name: str
    definition: str = ""
    when_to_use: str = ""
    when_not_to_use: str = ""
    example: str = ""
    colour: str = ""
    is_codable: bool = True


def _lock_study(study: Study) -> None:
    Study.objects.select_for_update().only("id").get(pk=study.pk)


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise CodebookError(_("A code needs a name."))
    if len(cleaned) > NAME_MAX:
        raise CodebookError(_("A code name can have at most %(limit)d characters.") % {"limit": NAME_MAX})
    return cleaned


def _check_name_free(*, study_id: int, parent: Code | None, name: str, exclude: Code | None = None) -> None:
    clash = Code.objects.filter(study_id=study_id, parent=parent, name=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        if parent is not None:
            message = _("There is already a code named '%(name)s' under '%(parent)s'.")
            raise CodebookError(message % {"name": name, "parent": parent.name})
        raise CodebookError(_("There is already a code named '%(name)s' at the top level.") % {"name": name})


def _next_position(*, study_id: int, parent: Code | None) -> int:
    highest = Code.objects.filter(study_id=study_id, parent=parent).aggregate(top=Max("position"))["top"]
    return 0 if highest is None else highest + 1


def record_codebook_version(*, study: Study, actor: User | None, change: str) -> CodebookVersion:
    """Snapshot the study's codebook as its next version. The caller holds the study lock (`_lock_study`)."""
    latest = CodebookVersion.objects.filter(study=study).aggregate(top=Max("number"))["top"] or 0
    return CodebookVersion.objects.create(
        study=study,
        number=latest + 1,
        change=change[:200],
        snapshot=tree_to_data(tree_from_study(study.id)),
        created_by=actor,
    )


def current_codebook_version(*, study: Study) -> CodebookVersion | None:
    """The study's latest codebook version (None before the first change)."""
    return CodebookVersion.objects.filter(study=study).order_by("-number").first()


def _create_code(*, study: Study, parent: Code | None, draft: CodeDraft) -> Code:
    if parent is not None and parent.study_id != study.id:
        raise CodebookError(_("The parent code belongs to another study."))
    name = _clean_name(draft.name)
    _check_name_free(study_id=study.id, parent=parent, name=name)
    return Code.objects.create(
        study=study,
        parent=parent,
        name=name,
        definition=draft.definition.strip(),
        when_to_use=draft.when_to_use.strip(),
        when_not_to_use=draft.when_not_to_use.strip(),
        example=draft.example.strip(),
        colour=normalise_colour(draft.colour),
        is_codable=draft.is_codable,
        position=_next_position(study_id=study.id, parent=parent),
    )


@transaction.atomic
def add_code(*, study: Study, actor: User | None, draft: CodeDraft, parent: Code | None = None) -> Code:
    """Add a code at the end of `parent`'s children (top level when None); records a new version."""
    _lock_study(study)
    code = _create_code(study=study, parent=parent, draft=draft)
    record_codebook_version(study=study, actor=actor, change=f"added code {code.guid}")
    return code


@transaction.atomic
def edit_code(*, code: Code, actor: User | None, draft: CodeDraft) -> Code:
    """Replace a code's fields with `draft`'s (its place in the tree and GUID stay); records a new version."""
    _lock_study(code.study)
    code.refresh_from_db()
    name = _clean_name(draft.name)
    _check_name_free(study_id=code.study_id, parent=code.parent, name=name, exclude=code)
    code.name = name
    code.definition = draft.definition.strip()
    code.when_to_use = draft.when_to_use.strip()
    code.when_not_to_use = draft.when_not_to_use.strip()
    code.example = draft.example.strip()
    code.colour = normalise_colour(draft.colour)
    code.is_codable = draft.is_codable
    code.save()
    record_codebook_version(study=code.study, actor=actor, change=f"edited code {code.guid}")
    return code


def _descendant_ids(code: Code) -> list[int]:
    """Ids of `code`'s children, grandchildren and so on (not `code` itself)."""
    found: list[int] = []
    frontier = [code.id]
    while frontier:
        frontier = list(Code.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        found.extend(frontier)
    return found


@transaction.atomic
def move_code(*, code: Code, actor: User | None, parent: Code | None, position: int | None = None) -> Code:
    """Put `code` (with its subtree) under `parent` (top level when None), last or at `position` among siblings."""
    _lock_study(code.study)
    code.refresh_from_db()
    if parent is not None:
        if parent.study_id != code.study_id:
            raise CodebookError(_("The new parent code belongs to another study."))
        if parent.id == code.id or parent.id in _descendant_ids(code):
            raise CodebookError(_("A code cannot be moved under itself or one of its own sub-codes."))
    _check_name_free(study_id=code.study_id, parent=parent, name=code.name, exclude=code)
    siblings = list(Code.objects.filter(study_id=code.study_id, parent=parent).exclude(pk=code.pk))
    index = len(siblings) if position is None else max(0, min(position, len(siblings)))
    siblings.insert(index, code)
    code.parent = parent
    code.save(update_fields=["parent", "updated_at"])
    for number, sibling in enumerate(siblings):
        Code.objects.filter(pk=sibling.pk).update(position=number)
    record_codebook_version(study=code.study, actor=actor, change=f"moved code {code.guid}")
    code.refresh_from_db()
    return code


@transaction.atomic
def delete_code(*, code: Code, actor: User | None) -> None:
    """Delete a code and its sub-codes. Refused while any of them has codings: merge it into another instead."""
    _lock_study(code.study)
    ids = [code.id, *_descendant_ids(code)]
    if moves.codings_exist(code_ids=ids):
        raise CodebookError(
            _("'%(code)s' or one of its sub-codes has codings; merge it into another code instead.")
            % {"code": code.name}
        )
    study, guid = code.study, code.guid
    # Children first: parent links are PROTECT.
    for code_id in reversed(ids):
        Code.objects.filter(pk=code_id).delete()
    record_codebook_version(study=study, actor=actor, change=f"deleted code {guid}")


@transaction.atomic
def merge_codes(*, source: Code, target: Code, actor: User | None) -> Code:
    """Fold `source` into `target`: its codings and sub-codes move to `target`, then `source` is deleted."""
    _lock_study(source.study)
    if source.study_id != target.study_id:
        raise CodebookError(_("Codes of different studies cannot be merged."))
    if source.id == target.id or target.id in _descendant_ids(source):
        raise CodebookError(_("A code cannot be merged into itself or one of its own sub-codes."))
    for child in Code.objects.filter(parent=source):
        _check_name_free(study_id=target.study_id, parent=target, name=child.name)
        child.parent = target
        child.position = _next_position(study_id=target.study_id, parent=target)
        child.save(update_fields=["parent", "position", "updated_at"])
    moves.move_codings(source=source, target=target)
    guid = source.guid
    source.delete()
    record_codebook_version(study=target.study, actor=actor, change=f"merged code {guid} into {target.guid}")
    target.refresh_from_db()
    return target


@transaction.atomic
def split_code(
    *,
    code: Code,
    actor: User | None,
    parts: Sequence[CodeDraft],
    assignments: Mapping[int, int] | None = None,
    remove_original: bool = False,
) -> list[Code]:
    """Split `code` into new sibling codes made from `parts`, and move codings to them.

    `assignments` maps a coding id of `code` to the index in `parts` of the code it now belongs to; codings not
    named stay on `code`. With `remove_original`, `code` is deleted afterwards, which needs every coding of it
    assigned and no sub-codes left on it. One new version records the whole split.
    """
    _lock_study(code.study)
    if not parts:
        raise CodebookError(_("Name at least one code to split into."))
    created = [_create_code(study=code.study, parent=code.parent, draft=part) for part in parts]
    for coding_id, index in (assignments or {}).items():
        if not 0 <= index < len(created):
            raise CodebookError(_("A coding was assigned to a part that does not exist."))
        moves.move_codings(source=code, target=created[index], coding_ids=[coding_id])
    if remove_original:
        if moves.codings_exist(code_ids=[code.id]) or code.children.exists():
            raise CodebookError(
                _("'%(code)s' still has codings or sub-codes, so it cannot be removed.") % {"code": code.name}
            )
        code.delete()
    record_codebook_version(study=created[0].study, actor=actor, change=f"split code {code.guid}")
    return created
