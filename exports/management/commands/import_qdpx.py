"""`manage.py import_qdpx <file.qdpx> <new-study-slug> [--owner EMAIL]`: a whole REFI-QDA project as a new draft
study (exports.refi_project.new_study). Prints what came in and what did not; on refusal prints the problems,
creates nothing and exits non-zero. The owner is --owner, or the only active superuser when there is one."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from coding.codetree import CodebookFormatError
from exports.refi_project import ProjectFormatError, read_qdpx
from exports.refi_project.new_study import ProjectRefused, import_project_as_study


def _owner(email: str) -> User:
    if email:
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active account has the address {email!r}.")
        return user
    superusers = list(User.objects.filter(is_superuser=True, is_active=True)[:2])
    if len(superusers) != 1:
        raise CommandError("Name the new study's owner with --owner EMAIL.")
    return superusers[0]


class Command(BaseCommand):
    help = "Import a REFI-QDA project (.qdpx) as a new draft study."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the .qdpx file")
        parser.add_argument("slug", help="the new study's address")
        parser.add_argument("--owner", default="", help="email of the account that will own the study")
        parser.add_argument("--title", default="", help="the study's title (default: the project's name)")

    def handle(self, *args: object, file: Path, slug: str, owner: str, title: str, **options: object) -> None:
        actor = _owner(owner)
        try:
            with file.open("rb") as source:
                report = import_project_as_study(project=read_qdpx(source), actor=actor, slug=slug, title=title)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        except (ProjectFormatError, CodebookFormatError) as error:
            raise CommandError(f"Nothing was imported: {error}") from error
        except ProjectRefused as error:
            raise CommandError("Nothing was imported:\n" + "\n".join(f"- {p}" for p in error.problems)) from error
        self.stdout.write(f"Created the draft study {slug}.")
        for what, number in report.counts.items():
            self.stdout.write(f"{what}: {number}")
        for line in report.dropped:
            self.stdout.write(f"not imported, or changed: {line}")
