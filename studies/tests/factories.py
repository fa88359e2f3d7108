from __future__ import annotations

import factory

from accounts.tests.factories import UserFactory
from studies.models import Role, Study, StudyMembership


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
