"""The survey sheet as a tree: rows, and groups (begin_group … end_group) holding rows and groups.

Which groups are sections and which are matrices is decided here: a `field-list` group whose questions are all
`select_one` of one list, each named `<group>_<row>`, is a matrix (the way an XLSForm asks Likert rows on one
screen, named as our matrix rows are answered); any other top-level group is a section.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from studies.xlsform.problems import Problem
from studies.xlsform.reader import Row


@dataclass
class Group:
    begin: Row
    children: list[Row | Group] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.begin.get("name")

    @property
    def appearance(self) -> set[str]:
        return set(self.begin.get("appearance").lower().split())


def type_words(row: Row) -> list[str]:
    """`select_one  agree or_other` -> ["select_one", "agree", "or_other"]; spelled-out forms in one word."""
    text = " ".join(row.get("type").split())
    lowered = text.lower()
    for spelled, word in (
        ("select one from file", "select_one_from_file"),
        ("select multiple from file", "select_multiple_from_file"),
        ("select all that apply", "select_multiple"),
        ("select one", "select_one"),
        ("select multiple", "select_multiple"),
        ("begin group", "begin_group"),
        ("end group", "end_group"),
        ("begin repeat", "begin_repeat"),
        ("end repeat", "end_repeat"),
    ):
        if lowered.startswith(spelled + " ") or lowered == spelled:
            text = word + text[len(spelled) :]
            break
    words = text.split()
    return [words[0].lower(), *words[1:]] if words else []


def build_tree(rows: list[Row], problems: list[Problem]) -> list[Row | Group]:
    """The rows nested by their groups; an end without a begin, or a begin never ended, is a problem."""
    top: list[Row | Group] = []
    open_groups: list[Group] = []
    for row in rows:
        words = type_words(row)
        kind = words[0] if words else ""
        if kind == "begin_group":
            group = Group(row)
            (open_groups[-1].children if open_groups else top).append(group)
            open_groups.append(group)
        elif kind == "end_group":
            if not open_groups:
                problems.append(Problem(_("This end_group has no begin_group above it."), row.number, "type", "survey"))
            else:
                open_groups.pop()
        else:
            (open_groups[-1].children if open_groups else top).append(row)
    for group in open_groups:
        problems.append(Problem(_("This group is never closed with end_group."), group.begin.number, "type", "survey"))
    return top


def matrix_rows(group: Group) -> list[Row] | None:
    """The group's questions when it is a matrix, else None. A header row (appearance `label`) shows the columns
    only: it is not a row of the matrix."""
    if "field-list" not in group.appearance or not group.name:
        return None
    questions = [
        child
        for child in group.children
        if not (isinstance(child, Row) and "label" in child.get("appearance").lower().split())
    ]
    lists = set()
    for child in questions:
        if not isinstance(child, Row):
            return None
        words = type_words(child)
        if len(words) != 2 or words[0] != "select_one" or not child.get("name").startswith(group.name + "_"):
            return None
        if child.get("relevant") or child.get("constraint") or child.get("calculation"):
            return None
        lists.add(words[1])
    return [child for child in questions if isinstance(child, Row)] if len(lists) == 1 else None
