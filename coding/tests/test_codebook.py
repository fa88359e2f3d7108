from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from coding.codetree import CodebookError, tree_from_study
from coding.models import Code, CodebookVersion
from coding.services import CodeDraft, add_code, delete_code, edit_code, merge_codes, move_code, split_code
from coding.tests.factories import CodeFactory
from studies.models import Study
from studies.tests.factories import StudyFactory


def _names(study: Study) -> list[tuple[str, list[str]]]:
    return [(node.name, [child.name for child in node.children]) for node in tree_from_study(study.id)]


def test_it_refuses_two_top_level_codes_with_one_name_in_the_database(study: Study) -> None:
    CodeFactory(study=study, name="Trust")
    with pytest.raises(IntegrityError), transaction.atomic():
        CodeFactory(study=study, name="Trust")


def test_it_refuses_two_sibling_codes_with_one_name_in_the_database(study: Study) -> None:
    parent = CodeFactory(study=study, name="Support roles")
    CodeFactory(study=study, parent=parent, name="Listener")
    with pytest.raises(IntegrityError), transaction.atomic():
        CodeFactory(study=study, parent=parent, name="Listener")


def test_it_allows_one_name_under_different_parents_and_in_other_studies(study: Study) -> None:
    first, second = CodeFactory(study=study, name="A"), CodeFactory(study=study, name="B")
    CodeFactory(study=study, parent=first, name="Other")
    CodeFactory(study=study, parent=second, name="Other")
    CodeFactory(study=StudyFactory(), name="A")
    assert Code.objects.filter(name="Other").count() == 2


def test_it_refuses_a_colour_that_is_not_rrggbb(study: Study) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CodeFactory(study=study, colour="red")


def test_adding_a_code_records_a_numbered_version_with_a_snapshot(study: Study, researcher: User) -> None:
    parent = add_code(study=study, actor=researcher, draft=CodeDraft(name="Gaps in care"))
    add_code(study=study, actor=researcher, draft=CodeDraft(name="Night-time", definition="At 3 am"), parent=parent)
    versions = list(CodebookVersion.objects.filter(study=study))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].snapshot[0]["children"] == []
    assert versions[1].snapshot[0]["children"][0]["definition"] == "At 3 am"
    assert versions[1].created_by == researcher


def test_it_says_clearly_when_a_name_is_taken_and_saves_nothing(study: Study, researcher: User) -> None:
    add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust"))
    with pytest.raises(CodebookError, match="already a code named 'Trust' at the top level"):
        add_code(study=study, actor=researcher, draft=CodeDraft(name="  Trust "))
    assert CodebookVersion.objects.filter(study=study).count() == 1


def test_editing_keeps_the_guid_and_makes_a_version(study: Study, researcher: User) -> None:
    code = add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust"))
    guid = code.guid
    edit_code(code=code, actor=researcher, draft=CodeDraft(name="Trust in the chatbot", colour="#abc"))
    code.refresh_from_db()
    assert (code.guid, code.name, code.colour) == (guid, "Trust in the chatbot", "#AABBCC")
    assert CodebookVersion.objects.filter(study=study).count() == 2


def test_moving_reorders_siblings_and_refuses_cycles(study: Study, researcher: User) -> None:
    roles = add_code(study=study, actor=researcher, draft=CodeDraft(name="Roles"))
    listener = add_code(study=study, actor=researcher, draft=CodeDraft(name="Listener"), parent=roles)
    coach = add_code(study=study, actor=researcher, draft=CodeDraft(name="Coach"))
    move_code(code=coach, actor=researcher, parent=roles, position=0)
    assert _names(study) == [("Roles", ["Coach", "Listener"])]
    with pytest.raises(CodebookError, match="under itself"):
        move_code(code=roles, actor=researcher, parent=listener)
    assert CodebookVersion.objects.filter(study=study).count() == 4


def test_deleting_removes_the_subtree_and_makes_a_version(study: Study, researcher: User) -> None:
    roles = add_code(study=study, actor=researcher, draft=CodeDraft(name="Roles"))
    add_code(study=study, actor=researcher, draft=CodeDraft(name="Listener"), parent=roles)
    delete_code(code=roles, actor=researcher)
    assert not Code.objects.filter(study=study).exists()
    assert CodebookVersion.objects.get(study=study, number=3).snapshot == []


def test_merging_moves_sub_codes_to_the_target_and_deletes_the_source(study: Study, researcher: User) -> None:
    source = add_code(study=study, actor=researcher, draft=CodeDraft(name="Comfort"))
    add_code(study=study, actor=researcher, draft=CodeDraft(name="At night"), parent=source)
    target = add_code(study=study, actor=researcher, draft=CodeDraft(name="Emotional support"))
    merge_codes(source=source, target=target, actor=researcher)
    assert _names(study) == [("Emotional support", ["At night"])]
    assert "merged" in CodebookVersion.objects.get(study=study, number=4).change


def test_merging_a_code_into_its_own_sub_code_is_refused(study: Study, researcher: User) -> None:
    parent = add_code(study=study, actor=researcher, draft=CodeDraft(name="Roles"))
    child = add_code(study=study, actor=researcher, draft=CodeDraft(name="Coach"), parent=parent)
    with pytest.raises(CodebookError):
        merge_codes(source=parent, target=child, actor=researcher)
    assert Code.objects.filter(study=study).count() == 2


def test_splitting_makes_sibling_codes_in_one_version(study: Study, researcher: User) -> None:
    support = add_code(study=study, actor=researcher, draft=CodeDraft(name="Support"))
    parts = [CodeDraft(name="Emotional support"), CodeDraft(name="Informational support")]
    created = split_code(code=support, actor=researcher, parts=parts, remove_original=True)
    assert [code.name for code in created] == ["Emotional support", "Informational support"]
    assert sorted(name for name, _ in _names(study)) == ["Emotional support", "Informational support"]
    assert CodebookVersion.objects.filter(study=study).count() == 2


def test_a_failed_split_saves_nothing(study: Study, researcher: User) -> None:
    support = add_code(study=study, actor=researcher, draft=CodeDraft(name="Support"))
    add_code(study=study, actor=researcher, draft=CodeDraft(name="Taken"))
    with pytest.raises(CodebookError):
        split_code(code=support, actor=researcher, parts=[CodeDraft(name="New"), CodeDraft(name="Taken")])
    assert Code.objects.filter(study=study).count() == 2
    assert CodebookVersion.objects.filter(study=study).count() == 2
