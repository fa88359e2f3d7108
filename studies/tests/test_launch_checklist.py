"""The launch checklist: each item passes only when its part of the set-up is really there, says what is missing
and links to where it is fixed; the checklist page shows it to every member and the start button to owners."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from studies.models import (
    CrisisResource,
    EligibilityRule,
    GuideQuestion,
    Interview,
    Questionnaire,
    Role,
    SafetyContact,
    Stratum,
    Study,
)
from studies.services.launch import Check, launch_checklist, missing_items, summarize
from studies.services.safety_setup import recruiting_countries
from studies.tests.factories import (
    ConsentDocumentFactory,
    InterviewFactory,
    MembershipFactory,
    ParticipantFactory,
    QuestionnaireFactory,
    SlotFactory,
    StudyFactory,
    build_screening,
)

pytestmark = pytest.mark.django_db
REQUIRED = ["screening", "eligibility", "consent", "crisis_resources", "safety_contact", "interviews", "retention"]


def ready_study(**fields: object) -> Study:
    """A draft with everything the checklist asks for, in English and Spanish."""
    values = {"status": Study.Status.DRAFT, "languages": ["en", "es"], "raw_audio_retention_days": 30}
    study = StudyFactory(**{**values, "contact_retention_days": 90, **fields})
    build_screening(study)
    for language in study.languages:
        ConsentDocumentFactory(study=study, language=language, version=1)
    CrisisResource.objects.create(study=study, country="", name="International helpline")
    SafetyContact.objects.create(study=study, name="Study safety lead", email="safety@example.org")
    SlotFactory(study=study)
    return study


def by_code(study: Study) -> dict[str, Check]:
    return {check.code: check for check in launch_checklist(study=study)}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_study_with_everything_in_place_passes_every_item() -> None:
    checks = launch_checklist(study=ready_study())
    assert [check.code for check in checks] == [*REQUIRED, "quotas", "distress_protocol", "translations"]
    assert [check.code for check in checks if not check.ok] == []
    assert summarize(checks).can_launch


def test_a_question_missing_a_study_language_is_a_warning_that_names_it() -> None:
    study = ready_study()
    question = study.questionnaires.get().questions.get(key="country")
    question.text = {"en": question.text["en"]}
    question.save(update_fields=["text"])
    checks = launch_checklist(study=study)
    translations = by_code(study)["translations"]
    assert (translations.ok, translations.blocking) == (False, False)
    assert "(country)" in translations.message
    assert summarize(checks).can_launch


def test_an_empty_study_misses_every_required_item_and_links_to_where_each_is_fixed() -> None:
    study = StudyFactory(status=Study.Status.DRAFT)
    checks = by_code(study)
    assert [check.code for check in missing_items(list(checks.values()))] == REQUIRED
    assert summarize(list(checks.values())).ready == 0
    slug = study.slug
    assert checks["screening"].url == f"/studies/{slug}/questionnaires/"
    assert checks["consent"].url == f"/studies/{slug}/consent/"
    assert checks["crisis_resources"].url == checks["safety_contact"].url == f"/studies/{slug}/safety/setup/"
    assert checks["interviews"].url == f"/studies/{slug}/slots/"
    assert checks["retention"].url == f"/studies/{slug}/settings/"
    assert checks["quotas"].ok
    assert not checks["quotas"].blocking


def test_a_screening_questionnaire_without_questions_is_not_enough() -> None:
    study = ready_study()
    questionnaire = Questionnaire.objects.get(study=study)
    questionnaire.rules.all().delete()
    questionnaire.questions.all().delete()
    check = by_code(study)["screening"]
    assert not check.ok
    assert check.message == "The screening questionnaire has no questions yet."
    assert check.url == f"/studies/{study.slug}/questionnaires/{questionnaire.pk}/"


def test_a_rule_on_an_unknown_question_holds_the_launch() -> None:
    study = ready_study()
    questionnaire = Questionnaire.objects.get(study=study)
    EligibilityRule.objects.create(questionnaire=questionnaire, key="agee", operator="gte", value=18)
    check = by_code(study)["eligibility"]
    assert not check.ok
    assert "1 rule no longer fits the questions" in check.message


def test_no_eligibility_rules_at_all_is_valid_and_says_everyone_is_eligible() -> None:
    study = ready_study()
    Questionnaire.objects.get(study=study).rules.all().delete()
    check = by_code(study)["eligibility"]
    assert (check.ok, check.message) == (True, "No rules: everyone who completes screening is eligible.")


def test_consent_must_be_published_in_every_study_language() -> None:
    study = ready_study(languages=["en", "es", "ar"])
    study.consent_documents.filter(language="ar").update(published_at=None)  # a draft does not count
    check = by_code(study)["consent"]
    assert not check.ok
    assert check.message == "No published consent form in: Arabic (ar)."


def test_consent_versions_must_match_across_languages() -> None:
    study = ready_study()
    ConsentDocumentFactory(study=study, language="en", version=2)
    check = by_code(study)["consent"]
    assert not check.ok
    assert "Publish the same version in every language (now: English v2, Spanish v1)" in check.message


def test_consent_without_items_is_refused() -> None:
    study = ready_study()
    study.consent_documents.filter(language="es").update(items={})
    check = by_code(study)["consent"]
    assert (check.ok, check.message) == (False, "The consent form has no consent items in: Spanish (es).")


def test_every_country_named_by_a_rule_or_a_stratum_needs_a_crisis_resource_without_a_fallback() -> None:
    study = ready_study()
    study.crisis_resources.all().delete()
    questionnaire = Questionnaire.objects.get(study=study)
    EligibilityRule.objects.create(questionnaire=questionnaire, key="country", operator="in", value=["MX", "in"])
    EligibilityRule.objects.create(questionnaire=questionnaire, key="country", operator="neq", value="US")
    Stratum.objects.create(study=study, name="Kenya", key="country", values=["KE"], target=5, maximum=6)
    assert recruiting_countries(study=study) == ["IN", "KE", "MX"]
    CrisisResource.objects.create(study=study, country="MX", name="Línea de la Vida")
    CrisisResource.objects.create(study=None, country="IN", name="A platform default, not the study's")
    check = by_code(study)["crisis_resources"]
    assert not check.ok
    assert check.message.startswith("No crisis resource for India (IN), Kenya (KE)")
    CrisisResource.objects.create(study=study, country="", name="International helpline")
    assert by_code(study)["crisis_resources"].ok


def test_a_study_that_names_no_country_needs_an_international_fallback() -> None:
    study = ready_study()
    study.crisis_resources.all().delete()
    CrisisResource.objects.create(study=study, country="MX", name="Línea de la Vida")
    check = by_code(study)["crisis_resources"]
    assert (check.ok, check.message) == (
        False,
        "The study names no countries, so it needs an international fallback resource.",
    )


def test_a_safety_contact_needs_an_email_address() -> None:
    study = ready_study()
    study.safety_contacts.update(email="", phone="+44 20 7946 0000")
    assert not by_code(study)["safety_contact"].ok


def test_only_free_future_slots_count() -> None:
    study = ready_study()
    slot = study.slots.get()
    slot.start = timezone.now() - timedelta(hours=1)
    slot.save()
    assert not by_code(study)["interviews"].ok
    booked = SlotFactory(study=study)
    participant = ParticipantFactory(study=study)
    InterviewFactory(participant=participant, slot=booked, status=Interview.Status.SCHEDULED)
    assert not by_code(study)["interviews"].ok
    SlotFactory(study=study)
    assert by_code(study)["interviews"].ok


def test_slots_for_voice_answers_need_questions_in_the_interview_guide() -> None:
    study = ready_study()
    study.slots.update(mode=Interview.Mode.ASYNC_VOICE)
    check = by_code(study)["interviews"]
    assert not check.ok
    assert check.url == f"/studies/{study.slug}/guide/"
    GuideQuestion.objects.create(study=study, position=1, prompt={"en": "What helps you?"})
    assert by_code(study)["interviews"].ok


def test_both_retention_periods_must_be_set() -> None:
    study = ready_study(contact_retention_days=None)
    assert not by_code(study)["retention"].ok


def test_quotas_that_do_not_add_up_warn_without_holding_the_launch() -> None:
    study = ready_study(target_sample_size=20)
    Stratum.objects.create(study=study, name="Women", key="gender", values=["woman"], target=10, maximum=12)
    Stratum.objects.create(study=study, name="Men", key="gender", values=["man"], target=8, maximum=10)
    checks = launch_checklist(study=study)
    quotas = {check.code: check for check in checks}["quotas"]
    assert (quotas.ok, quotas.blocking) == (False, False)
    assert "(gender: 18)" in quotas.message
    summary = summarize(checks)
    assert (summary.can_launch, summary.warnings) == (True, 1)


# --- The checklist page -----------------------------------------------------------------------------------


def test_the_owner_of_a_ready_study_sees_every_item_ready_and_the_start_button() -> None:
    study = ready_study()
    owner = MembershipFactory(study=study, role=Role.OWNER).user
    page = client_for(owner).get(reverse("studies:checklist", args=[study.slug])).content.decode()
    assert "7 of 7 required items ready." in page
    assert page.count("✓ Ready") == 10  # the 7 required; quotas, the distress protocol and translations (warnings)
    assert reverse("studies:status", args=[study.slug]) in page
    assert "Start recruiting" in page


def test_a_study_with_gaps_shows_what_is_missing_with_links_and_no_start_button() -> None:
    study = StudyFactory(status=Study.Status.DRAFT)
    QuestionnaireFactory(study=study)
    owner = MembershipFactory(study=study, role=Role.OWNER).user
    page = client_for(owner).get(reverse("studies:checklist", args=[study.slug])).content.decode()
    assert "1 of 7 required items ready." in page  # no rules yet: everyone would be eligible
    assert page.count("✗ Missing") == 6
    assert "Fix: Consent form" in page
    assert f'href="/studies/{study.slug}/consent/"' in page
    assert "Recruiting can start once every required item is ready." in page
    assert reverse("studies:status", args=[study.slug]) not in page


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.INTERVIEWER, Role.CODER, Role.VIEWER])
def test_other_members_read_the_checklist_without_any_form(role: Role) -> None:
    study = ready_study()
    user = MembershipFactory(study=study, role=role).user
    response = client_for(user).get(reverse("studies:checklist", args=[study.slug]))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("✓ Ready") == 10  # the 7 required; quotas, the distress protocol and translations (warnings)
    assert '<form method="post" action="' + reverse("studies:status", args=[study.slug]) not in page
    assert "An owner of the study starts recruiting once every required item is ready." in page
