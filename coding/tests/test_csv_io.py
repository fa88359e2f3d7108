from __future__ import annotations

import csv
import io

import pytest

from accounts.models import User
from coding.codetree import CodebookFormatError, CodeNode, tree_from_study, tree_to_data
from coding.csv_io import read_codebook_csv, split_path, write_codebook_csv
from coding.services import import_codebook
from studies.models import Study
from studies.tests.factories import StudyFactory


def _tree() -> list[CodeNode]:
    return [
        CodeNode(
            name="Roles/functions",
            is_codable=False,
            colour="#112233",
            children=[
                CodeNode(name="Listener", definition='Hears me out,\n"without" judging', example="=SUM(A1)"),
                CodeNode(name="सलाहकार", children=[CodeNode(name="-ve advice", when_to_use="'quoted'")]),
            ],
        ),
        CodeNode(name="الثقة", when_not_to_use="back\\slash"),
    ]


def test_a_codebook_round_trips_through_csv_into_a_fresh_study(study: Study, researcher: User) -> None:
    import_codebook(study=study, actor=researcher, nodes=_tree(), source="test")
    data = write_codebook_csv(tree_from_study(study.id)).encode("utf-8")
    fresh = StudyFactory()
    import_codebook(study=fresh, actor=researcher, nodes=read_codebook_csv(data), source="CSV")
    assert tree_to_data(tree_from_study(fresh.id)) == tree_to_data(tree_from_study(study.id))
    assert tree_from_study(fresh.id)[0].children[0].example == "=SUM(A1)"


def test_the_csv_has_path_like_parents_and_defused_formulas() -> None:
    rows = list(csv.DictReader(io.StringIO(write_codebook_csv(_tree()))))
    assert [row["parent"] for row in rows] == [
        "",
        "Roles\\/functions",
        "Roles\\/functions",
        "Roles\\/functions/सलाहकार",
        "",
    ]
    assert rows[1]["example"] == "'=SUM(A1)"
    assert rows[3]["name"] == "'-ve advice"
    assert rows[0]["is_codable"] == "false"


def test_it_reads_a_hand_made_spreadsheet_in_any_row_order() -> None:
    text = "\ufeffName,Parent,Colour\nNight,Support/Emotional,#abc\nSupport,,\nEmotional,Support,#00ff00\nTrust,,\n"
    tree = read_codebook_csv(text.encode("utf-8"))
    assert [node.name for node in tree] == ["Support", "Trust"]
    emotional = tree[0].children[0]
    assert (emotional.name, emotional.colour, emotional.children[0].name) == ("Emotional", "#00FF00", "Night")


def test_a_parent_no_row_defines_is_created() -> None:
    tree = read_codebook_csv(b"name,parent\nNight,Support/Emotional\n")
    assert tree[0].name == "Support"
    assert tree[0].children[0].children[0].name == "Night"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"label\nx\n", "'name' column"),
        (b"name,parent\n,x\n", "Row 2 has no name"),
        (b"name,colour\nx,purple\n", "Row 2"),
        ("name\ncafé\n".encode("latin-1"), "not UTF-8"),
        (b"name\n", "no codes"),
    ],
)
def test_it_rejects_unusable_csv_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(CodebookFormatError, match=message):
        read_codebook_csv(data)


def test_paths_unescape_slashes_and_backslashes() -> None:
    assert split_path("a\\/b/c\\\\d") == ["a/b", "c\\d"]
