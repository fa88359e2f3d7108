"""The interview guide: questions per study language, kept in order by the team (the demo study's questions:
seeds/tests/test_load_demo_study.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from studies.models import Consent, GuideQuestion, Study
from studies.services.guide import (
    GuideError,
    add_guide_question,
    delete_guide_question,
    edit_guide_question,
    move_guide_question,
)
from transcription.models import VoiceAnswer
from transcription.tests.voicekit import voice_interview

pytestmark = pytest.mark.django_db


def prompts(study: Study) -> list[str]:
    return [question.prompt["en"] for question in study.guide_questions.order_by("position")]


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_questions_are_appended_moved_and_deleted_keeping_positions_one_to_n(study: Study) -> None:
    first, second, third = (add_guide_question(study=study, prompt={"en": text}) for text in ("A?", "B?", "C?"))
    assert [q.position for q in (first, second, third)] == [1, 2, 3]
    assert first.max_seconds == 180
    assert move_guide_question(question=third, up=True)
    assert prompts(study) == ["A?", "C?", "B?"]
    assert not move_guide_question(question=first, up=True)
    assert move_guide_question(question=first, up=False)
    assert prompts(study) == ["C?", "A?", "B?"]
    delete_guide_question(question=GuideQuestion.objects.get(prompt__en="C?"))
    assert prompts(study) == ["A?", "B?"]
    assert list(study.guide_questions.values_list("position", flat=True)) == [1, 2]


def test_a_question_needs_the_studys_first_language_and_drops_languages_the_study_lacks(study: Study) -> None:
    with pytest.raises(GuideError, match="first language"):
        add_guide_question(study=study, prompt={"es": "¿Qué tal?", "en": "   "})
    question = add_guide_question(study=study, prompt={"en": " How? ", "es": "", "fr": "Comment ?"})
    assert question.prompt == {"en": "How?"}
    edit_guide_question(question=question, prompt={"en": "How?", "hi": "कैसे?"}, max_seconds=60)
    question.refresh_from_db()
    assert (question.prompt, question.max_seconds) == ({"en": "How?", "hi": "कैसे?"}, 60)
    assert question.prompt_in("hi") == "कैसे?"
    assert question.prompt_in("es-MX") == "How?"


def test_a_question_someone_answered_or_skipped_cannot_be_deleted() -> None:
    interview, (question, _) = voice_interview()
    VoiceAnswer.objects.create(interview=interview, question=question)
    with pytest.raises(GuideError, match="already answered or skipped"):
        delete_guide_question(question=question)
    assert GuideQuestion.objects.filter(pk=question.pk).exists()
    # Deleting the whole study (in the admin, once its signed consents are gone) still takes both with it.
    Consent.objects.filter(participant__study=interview.study).delete()
    interview.study.delete()
    assert not VoiceAnswer.objects.exists()


def test_a_researcher_builds_the_guide_on_its_page_in_every_study_language(study: Study, researcher: User) -> None:
    client = logged_in(researcher)
    url = reverse("studies:guide", args=[study.slug])
    missing = client.post(url, {"prompt_es": "¿Solo en español?", "max_seconds": "120"})
    assert missing.status_code == 400
    assert not GuideQuestion.objects.exists()
    too_long = client.post(url, {"prompt_en": "Q?", "max_seconds": "99999"})
    assert too_long.status_code == 400
    added = client.post(url, {"prompt_en": "What helps?", "prompt_hi": "क्या मदद करता है?", "max_seconds": "120"})
    assert added.status_code == 302
    question = GuideQuestion.objects.get()
    assert (question.prompt, question.max_seconds, question.position) == (
        {"en": "What helps?", "hi": "क्या मदद करता है?"},
        120,
        1,
    )
    page = client.get(url).content.decode()
    assert "क्या मदद करता है?" in page
    assert "Not yet written in es" in page
    edit = reverse("studies:guide_question", args=[study.slug, question.pk])
    assert client.post(edit, {"prompt_en": "What helps you?", "max_seconds": "90"}).status_code == 302
    question.refresh_from_db()
    assert (question.prompt, question.max_seconds) == ({"en": "What helps you?"}, 90)
    assert client.post(reverse("studies:guide_move", args=[study.slug, question.pk])).status_code == 400
    assert client.post(reverse("studies:guide_delete", args=[study.slug, question.pk])).status_code == 302
    assert not GuideQuestion.objects.exists()


def test_every_member_reads_the_guide_and_only_managers_see_its_forms(
    study: Study, owner: User, interviewer: User
) -> None:
    guide = reverse("studies:guide", args=[study.slug])
    add_guide_question(study=study, prompt={"en": "What helps you?"})
    assert guide in logged_in(interviewer).get(reverse("studies:detail", args=[study.slug])).content.decode()
    read = logged_in(interviewer).get(guide).content.decode()
    assert "What helps you?" in read
    assert "<form" not in read.split("<main", 1)[1]
    assert "Add the question" in logged_in(owner).get(guide).content.decode()
    assert logged_in(interviewer).post(guide, {"prompt_en": "Sneaky", "max_seconds": 60}).status_code == 403
    assert GuideQuestion.objects.count() == 1


def test_an_archived_studys_guide_refuses_every_change(study: Study, owner: User) -> None:
    question = add_guide_question(study=study, prompt={"en": "What helps you?"})
    Study.objects.filter(pk=study.pk).update(status=Study.Status.ARCHIVED)
    client = logged_in(owner)
    response = client.post(reverse("studies:guide", args=[study.slug]), {"prompt_en": "New", "max_seconds": 60})
    assert response.status_code == 400
    assert "archived" in response.content.decode()
    delete = client.post(reverse("studies:guide_delete", args=[study.slug, question.pk]), follow=True)
    assert "archived" in delete.content.decode()
    assert list(GuideQuestion.objects.values_list("prompt", flat=True)) == [{"en": "What helps you?"}]


def test_another_studys_question_is_not_found_on_this_studys_guide(study: Study, owner: User) -> None:
    _interview, (foreign, _) = voice_interview()
    url = reverse("studies:guide_question", args=[study.slug, foreign.pk])
    assert logged_in(owner).get(url).status_code == 404
    assert logged_in(owner).post(reverse("studies:guide_delete", args=[study.slug, foreign.pk])).status_code == 404
    assert GuideQuestion.objects.filter(pk=foreign.pk).exists()
