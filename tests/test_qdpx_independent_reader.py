"""Our .qdpx read by a REFI-QDA reader that is not our code: pyrefiqda (PyPI, parses project.qde into models
generated from the REFI-QDA XSD and resolves internal:// paths in the spec's lower-case `sources/` folder). Its
counts and the words each selection quotes must match what the study holds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pyrefiqda import RefiProject  # type: ignore[import-untyped]
from pyrefiqda.models.project import CodeType  # type: ignore[import-untyped]

from accounts.models import User
from coding.models import Code, Coding, Memo
from exports.refi_project import study_project, write_qdpx
from studies.models import Study
from tests.test_qdpx_new_study import rich_study

pytestmark = pytest.mark.django_db
__all__ = ["rich_study"]  # the fixture, shared with the round-trip tests


def _codes(codes: list[CodeType]) -> list[CodeType]:
    return [found for code in codes for found in (code, *_codes(code.code))]


def test_an_independent_reader_finds_our_sources_codings_cases_and_notes(
    rich_study: Study, owner: User, tmp_path: Path
) -> None:
    target = tmp_path / "study.qdpx"
    with target.open("wb") as out:
        write_qdpx(study_project(study=rich_study), out)
    folder = tmp_path / "unpacked"
    project = RefiProject.load(target, extract_dir=str(folder))
    assert project.sources is not None
    assert project.code_book is not None
    texts = {
        s.guid: RefiProject.resolve_source_path(s.plain_text_path or "", folder).read_text("utf-8")
        for s in project.sources.text_source
    }
    quoted = Counter(
        texts[s.guid][int(sel.start_position) : int(sel.end_position)]
        for s in project.sources.text_source
        for sel in s.plain_text_selection
    )
    stored = Coding.objects.filter(transcript_version__transcript__recording__interview__study=rich_study)
    assert quoted == Counter(stored.values_list("text", flat=True))
    assert len(texts) == 2
    codes = _codes(project.code_book.codes.code)
    assert {(c.name, c.color or "") for c in codes} == set(
        Code.objects.filter(study=rich_study).values_list("name", "colour")
    )
    assert project.cases is not None
    assert len(project.cases.case) == 2
    values = Counter(v.text_value for case in project.cases.case for v in case.variable_value)
    assert values == Counter({"asia": 1, "man": 1, "europe": 1, "woman": 1})
    assert all(len(case.source_ref) == 1 for case in project.cases.case)
    assert project.notes is not None
    assert Counter(n.plain_text_content for n in project.notes.note) == Counter(
        Memo.objects.filter(study=rich_study).values_list("text", flat=True)
    )
    assert project.users is not None
    assert len(project.users.user) == 2
