"""`manage.py export_xlsform <study-slug> <questionnaire-id> <out.xlsx>`: a questionnaire's current version as an
XLSForm that pyxform converts to an XForm (studies.xlsform.export; checked with pyxform before it is written, or
nothing is written and the command exits non-zero). The export is audited (ids only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from studies.models import Questionnaire
from studies.xlsform.importer import ExportRefused, export_xlsform


class Command(BaseCommand):
    help = "Export a questionnaire as an XLSForm (.xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the study's address")
        parser.add_argument("questionnaire", type=int, help="the questionnaire's id")
        parser.add_argument("out", type=Path, help="where to write the .xlsx")

    def handle(self, *args: Any, slug: str, questionnaire: int, out: Path, **options: Any) -> None:
        found = Questionnaire.objects.select_related("study").filter(pk=questionnaire, study__slug=slug).first()
        if found is None:
            raise CommandError(f"The study {slug!r} has no questionnaire {questionnaire}.")
        try:
            data = export_xlsform(questionnaire=found)
        except ExportRefused as refused:
            raise CommandError(
                f"pyxform would not convert this questionnaire, so nothing was written: {refused}"
            ) from refused
        try:
            out.write_bytes(data)
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}") from error
        self.stdout.write(f"Wrote {out} ({found.questions.count()} questions).")
