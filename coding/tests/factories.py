from __future__ import annotations

import factory

from coding.models import Code
from studies.tests.factories import StudyFactory


class CodeFactory(factory.django.DjangoModelFactory):
    """A code made directly (no version recorded); tests of versioning go through coding.services."""

    class Meta:
        model = Code

    study = factory.SubFactory(StudyFactory)
    name = factory.Sequence(lambda n: f"Code {n}")
    colour = "#3366CC"
