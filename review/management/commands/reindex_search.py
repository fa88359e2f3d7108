"""Rebuild the transcript search index: `python manage.py reindex_search [study-slug]` (every study without one).

For data from before search existed, and after changing IDENTIFIER_HASH_KEY (every keyed term changes with it).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from review.search_terms import search_available
from review.services.search_index import reindex_study
from studies.models import Study


class Command(BaseCommand):
    help = "Rebuild the search rows of every transcript of a study (or of every study)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("study", nargs="?", help="the study's slug; every study when left out")

    def handle(self, *args: Any, **options: Any) -> None:
        if not search_available():
            raise CommandError("Search needs PostgreSQL; this installation runs on another database.")
        study = None
        if options["study"]:
            study = Study.objects.filter(slug=options["study"]).first()
            if study is None:
                raise CommandError(f"No study has the slug {options['study']!r}.")
        count = reindex_study(study=study)
        self.stdout.write(f"Indexed {count} transcripts.")
