from __future__ import annotations

import factory

from coding.models import Code
from studies.models import Study
from studies.tests.factories import StudyFactory
from studies.tests.factories import screen as screen  # re-exported: the screening helper lives with studies'
from transcription.models import Segment, TranscriptVersion
from transcription.tests.factories import TranscriptFactory


class CodeFactory(factory.django.DjangoModelFactory):
    """A code made directly (no version recorded); tests of versioning go through coding.services."""

    class Meta:
        model = Code

    study = factory.SubFactory(StudyFactory)
    name = factory.Sequence(lambda n: f"Code {n}")
    colour = "#3366CC"


def transcript_version_with(study: Study, texts: list[str]) -> TranscriptVersion:
    """An approved-style transcript version of an interview in `study`, one segment per text, 5 s apart."""
    transcript = TranscriptFactory(recording__interview__participant__study=study, state="approved")
    version = TranscriptVersion.objects.create(transcript=transcript, number=1)
    for index, text in enumerate(texts):
        Segment.objects.create(version=version, index=index, start=5.0 * index, end=5.0 * index + 4, text=text)
    return version
