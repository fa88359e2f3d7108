"""What an import found wrong with a file: each problem names where it is (sheet, row, column) and why, in the
team member's language. A refused import creates nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Problem:
    """`row` is the spreadsheet's (or CSV file's) own row number, the header being row 1; None for the file or a
    whole sheet. `column` is the column's header ("" when the problem is not in one column)."""

    message: str
    row: int | None = None
    column: str = ""
    sheet: str = ""

    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(_("sheet “%(sheet)s”") % {"sheet": self.sheet})
        if self.row is not None:
            parts.append(_("row %(row)d") % {"row": self.row})
        if self.column:
            parts.append(_("column “%(column)s”") % {"column": self.column})
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class ImportRefused(Exception):
    """Nothing was imported: every problem found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems
