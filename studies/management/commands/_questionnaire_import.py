"""What import_xlsform and import_redcap share: read the file (at most 5 MB), call the importer, report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from studies.models import Questionnaire, Study
from studies.xlsform.importer import Imported
from studies.xlsform.problems import ImportRefused
from studies.xlsform.reader import MAX_FILE_BYTES


class ImportCommand(BaseCommand):
    file_help = "the file"
    importer: Callable[..., Imported]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the study's address")
        parser.add_argument("file", type=Path, help=self.file_help)
        parser.add_argument(
            "--kind",
            choices=Questionnaire.Kind.values,
            default=Questionnaire.Kind.BACKGROUND,
            help="default: background",
        )
        parser.add_argument(
            "--stage",
            choices=Questionnaire.Stage.values,
            default=Questionnaire.Stage.CONSENTED,
            help="the stage from which participants are asked (not for screening; default: consented)",
        )

    def handle(self, *args: Any, slug: str, file: Path, kind: str, stage: str, **options: Any) -> None:
        study = Study.objects.filter(slug=slug).first()
        if study is None:
            raise CommandError(f"No study has the address {slug!r}.")
        try:
            with file.open("rb") as source:
                data = source.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        try:
            imported = self.importer(study=study, data=data, filename=file.name, kind=kind, available_from=stage)
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"Nothing was imported: {len(refused.problems)} problem(s).") from refused
        for note in imported.notes:
            self.stderr.write(f"note: {note}")
        questionnaire = imported.questionnaire
        count = questionnaire.questions.count()
        self.stdout.write(f"Created the draft questionnaire {questionnaire.pk} ({kind}) with {count} questions.")
        self.stdout.write(str(questionnaire.pk))
