from __future__ import annotations

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from studies.models import (
    Consent,
    ConsentDocument,
    ConsentItem,
    Interview,
    Participant,
    Role,
    Study,
    StudyMembership,
)


class StudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Study

    title = factory.Sequence(lambda n: f"Study {n}")
    slug = factory.Sequence(lambda n: f"study-{n}")
    status = Study.Status.RECRUITING
    languages = factory.LazyFunction(lambda: ["en", "es", "hi"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudyMembership

    study = factory.SubFactory(StudyFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.RESEARCHER


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    study = factory.SubFactory(StudyFactory)
    code = factory.Sequence(lambda n: f"P-{n:04d}")
    status = Participant.Status.CONSENTED
    language = "en"


class ConsentDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentDocument

    study = factory.SubFactory(StudyFactory)
    language = "en"
    version = factory.Sequence(lambda n: n + 1)
    title = "Consent to take part"
    body_markdown = "You agree to take part in an interview about your experience."
    items = factory.LazyFunction(lambda: {item: {"required": False} for item in ConsentItem.values})
    published_at = factory.LazyFunction(timezone.now)


class ConsentFactory(factory.django.DjangoModelFactory):
    """A signed consent; every item is yes unless `choices` says otherwise."""

    class Meta:
        model = Consent

    participant = factory.SubFactory(ParticipantFactory)
    document = factory.SubFactory(ConsentDocumentFactory, study=factory.SelfAttribute("..participant.study"))
    choices = factory.LazyFunction(lambda: dict.fromkeys(ConsentItem.values, True))
    signature_name = "Synthetic Participant"
    signed_at = factory.LazyFunction(timezone.now)
    language = "en"
    text_sha256 = "0" * 64


class InterviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interview

    participant = factory.SubFactory(ParticipantFactory)
    study = factory.SelfAttribute("participant.study")
    mode = Interview.Mode.VIDEO
    status = Interview.Status.COMPLETED
    scheduled_start = factory.LazyFunction(timezone.now)
