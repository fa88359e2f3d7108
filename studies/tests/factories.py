from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from studies.models import (
    Consent,
    ConsentDocument,
    ConsentItem,
    CrisisResource,
    EligibilityRule,
    Interview,
    Participant,
    Question,
    Questionnaire,
    Role,
    SafetyContact,
    ScreeningResponse,
    Slot,
    Stratum,
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


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire

    study = factory.SubFactory(StudyFactory)
    kind = Questionnaire.Kind.SCREENING
    title = factory.LazyFunction(lambda: {"en": "Screening", "es": "Selección"})
    min_completion_seconds = 0


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    position = factory.Sequence(lambda n: n)
    key = factory.Sequence(lambda n: f"q{n}")
    kind = Question.Kind.SHORT_TEXT
    text = factory.LazyFunction(lambda: {"en": "A question", "es": "Una pregunta"})


YES_NO = [{"value": "yes", "labels": {"en": "Yes", "es": "Sí"}}, {"value": "no", "labels": {"en": "No", "es": "No"}}]


def build_screening(study: Study, *, min_seconds: int = 0) -> Questionnaire:
    """The demo study's screening: age, country, chatbot use (the rule), a risk item and an attention check."""
    questionnaire = QuestionnaireFactory(study=study, min_completion_seconds=min_seconds)
    QuestionFactory(
        questionnaire=questionnaire,
        key="age",
        kind=Question.Kind.AGE,
        text={"en": "How old are you?", "es": "¿Cuántos años tiene?"},
    )
    QuestionFactory(
        questionnaire=questionnaire,
        key="country",
        kind=Question.Kind.COUNTRY,
        text={"en": "Where do you live?", "es": "¿Dónde vive?"},
    )
    QuestionFactory(
        questionnaire=questionnaire,
        key="used_chatbot",
        kind=Question.Kind.SINGLE,
        choices=YES_NO,
        text={
            "en": "Have you used an AI chatbot for mental-health support in the past 12 months?",
            "es": "¿Ha usado un chatbot de IA como apoyo de salud mental en los últimos 12 meses?",
        },
    )
    QuestionFactory(
        questionnaire=questionnaire,
        key="crisis",
        kind=Question.Kind.SINGLE,
        choices=YES_NO,
        is_risk_item=True,
        risk_values=["yes"],
        required=False,
        text={"en": "Are you in crisis right now?", "es": "¿Está en crisis ahora mismo?"},
    )
    QuestionFactory(
        questionnaire=questionnaire,
        key="attention",
        kind=Question.Kind.SINGLE,
        choices=YES_NO,
        is_attention_check=True,
        attention_answer="no",
        text={"en": "To show you are reading, answer No.", "es": "Para mostrar que lee, responda No."},
    )
    EligibilityRule.objects.create(
        questionnaire=questionnaire, key="age", operator="gte", value=18, description="adult"
    )
    EligibilityRule.objects.create(
        questionnaire=questionnaire,
        key="used_chatbot",
        operator="eq",
        value="yes",
        description="used a chatbot for support",
    )
    return questionnaire


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    study = factory.SubFactory(StudyFactory)
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    duration_minutes = 60
    details = "https://video.example.org/room"


class CrisisResourceFactory(factory.django.DjangoModelFactory):
    """A crisis resource of a study's own (pass study=None for a platform default)."""

    class Meta:
        model = CrisisResource

    study = factory.SubFactory(StudyFactory)
    country = "MX"
    name = factory.Sequence(lambda n: f"Helpline {n}")
    phone = "800 911 2000"
    url = "https://help.example.org"
    description = "Free, 24 hours a day."


class SafetyContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyContact

    study = factory.SubFactory(StudyFactory)
    name = factory.Sequence(lambda n: f"Safety lead {n}")
    email = factory.Sequence(lambda n: f"safety{n}@example.org")
    position = factory.Sequence(lambda n: n)


class StratumFactory(factory.django.DjangoModelFactory):
    """A quota stratum on world region (Europe) unless told otherwise."""

    class Meta:
        model = Stratum

    study = factory.SubFactory(StudyFactory)
    name = factory.Sequence(lambda n: f"Stratum {n}")
    key = "region"
    values = factory.LazyFunction(lambda: ["europe"])
    target = 2
    maximum = 3


def screen(participant: Participant, attributes: dict[str, object], *, language: str = "en") -> ScreeningResponse:
    """A submitted screening response holding `attributes` (the derived values analysis reads; `country` is where
    crisis resources are looked up), without going through the form."""
    questionnaire = Questionnaire.objects.get_or_create(study=participant.study, kind=Questionnaire.Kind.SCREENING)[0]
    now = timezone.now()
    return ScreeningResponse.objects.create(
        study=participant.study,
        questionnaire=questionnaire,
        participant=participant,
        form_token=f"token-{participant.pk}-{now.timestamp()}",
        language=language,
        attributes=attributes,
        started_at=now,
        submitted_at=now,
        eligible=True,
    )
