"""`manage.py export_qdpx <study-slug> <out.qdpx>`: the study as a REFI-QDA project, for scripts.

It writes what the exports page's project holds (the redacted text coders read, codings, memos, cases and their
variables; audio linked, never embedded). The file is plaintext on disk: the person running the command owns it.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.audit import record_event
from exports.refi_project import study_project, write_qdpx
from studies.models import Study


class Command(BaseCommand):
    help = "Write a study as a REFI-QDA project (.qdpx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the study's address")
        parser.add_argument("out", type=Path, help="the .qdpx file to write")

    def handle(self, *args: object, slug: str, out: Path, **options: object) -> None:
        study = Study.objects.filter(slug=slug).first()
        if study is None:
            raise CommandError(f"No study has the address {slug!r}.")
        with out.open("wb") as target:
            write_qdpx(study_project(study=study), target)
        record_event(
            action="project.exported", actor_label="manage.py export_qdpx", study_id=study.pk, target=study, detail={}
        )
        self.stdout.write(f"Wrote {out}.")
