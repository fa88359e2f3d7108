"""The questionnaire builder's pages (studies/question_views.py, builder_views.py): sections, status and versions,
drag-and-drop reordering, publishing, the preview in each study language; who may do what."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import AuditEntry, User
from studies.models import Question, Questionnaire, ScreeningResponse, Study
from studies.services.question_checks import QuestionFields, blank_fields
from studies.services.questionnaires import create_question, create_questionnaire
from studies.services.sections import create_section

pytestmark = pytest.mark.django_db

YES_NO = [
    {"value": "yes", "labels": {"en": "Yes", "es": "Sí", "hi": "हाँ"}},
    {"value": "no", "labels": {"en": "No", "es": "No", "hi": "नहीं"}},
]
TITLES = {"about": ("About you", "Sobre usted", "आपके बारे में"), "mood": ("Your mood", "Su ánimo", "आपका मन")}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fields(key: str, kind: str, text: tuple[str, str, str], **overrides: Any) -> QuestionFields:
    values: dict[str, Any] = {
        **blank_fields(key, kind),
        "required": True,
        "text": dict(zip(("en", "es", "hi"), text, strict=True)),
        **overrides,
    }
    return QuestionFields(**values)  # type: ignore[typeddict-item]


@pytest.fixture
def wellbeing(study: Study) -> Questionnaire:
    """A draft in two sections: name (about), then sleep (yes/no) and why (shown if sleep = yes, piping the name)."""
    questionnaire = create_questionnaire(study=study, kind="wellbeing", title={"en": "Well-being"}, draft=True)
    about, mood = (
        create_section(questionnaire=questionnaire, key=key, title=dict(zip(("en", "es", "hi"), texts, strict=True)))
        for key, texts in TITLES.items()
    )
    create_question(
        questionnaire=questionnaire,
        fields=fields("name", "short_text", ("Your first name?", "¿Su nombre?", "आपका नाम?"), section_id=about.pk),
    )
    create_question(
        questionnaire=questionnaire,
        fields=fields(
            "sleep", "single", ("Do you sleep well?", "¿Duerme bien?", "नींद?"), choices=YES_NO, section_id=mood.pk
        ),
    )
    create_question(
        questionnaire=questionnaire,
        fields=fields(
            "why",
            "short_text",
            ("Why, ${name}?", "¿Por qué, ${name}?", "क्यों, ${name}?"),
            conditions=[{"key": "sleep", "op": "eq", "value": "yes"}],
            required=False,
            section_id=mood.pk,
        ),
    )
    # Not yet written in Hindi (as a spreadsheet import may leave it): the builder warns.
    Question.objects.filter(questionnaire=questionnaire, key="why").update(
        text={"en": "Why, ${name}?", "es": "¿Por qué, ${name}?"}
    )
    return questionnaire


def builder(questionnaire: Questionnaire, name: str = "studies:questionnaire", **kwargs: Any) -> str:
    return reverse(name, kwargs={"slug": questionnaire.study.slug, "pk": questionnaire.pk, **kwargs})


def order(questionnaire: Questionnaire) -> list[tuple[str, str | None]]:
    rows = questionnaire.questions.order_by("position").values_list("key", "section__key")
    return [(key, section) for key, section in rows]


def test_the_builder_shows_sections_status_versions_and_missing_translations(
    wellbeing: Questionnaire, owner: User
) -> None:
    body = signed_in(owner).get(builder(wellbeing)).content.decode()
    for text in ("Draft", "Version 1", "About you", "Your mood", "Add a section", "Not yet written in: hi"):
        assert text in body, text
    assert "earlier version" not in body
    assert f'action="{builder(wellbeing, "studies:questionnaire_publish")}"' in body
    assert f"{builder(wellbeing, 'studies:questionnaire_preview')}?lang=es" in body
    assert f'data-reorder-url="{builder(wellbeing, "studies:questionnaire_reorder")}"' in body
    assert body.index("About you") < body.index("<code>name</code>") < body.index("Your mood")
    assert body.index("Your mood") < body.index("<code>sleep</code>") < body.index("<code>why</code>")
    # The first question may still go up into the part before the first section; the last has nowhere lower.
    assert body.count('name="direction" value="up"') == 3 + 1  # the three questions, and the second section
    assert body.count('name="direction" value="down"') == 2 + 1  # name and sleep, and the first section


def test_the_question_form_puts_the_languages_side_by_side_with_a_warning_for_a_missing_one(
    wellbeing: Questionnaire, owner: User
) -> None:
    why = wellbeing.questions.get(key="why")
    body = signed_in(owner).get(builder(wellbeing, "studies:question", question_pk=why.pk)).content.decode()
    assert body.count('class="language-column"') == 3
    assert body.count("Not yet written in hi") == 1
    assert 'data-kinds="matrix"' in body  # the matrix rows, hidden by builder.js for a short text
    assert 'name="if_key_0"' in body
    assert '<option value="sleep" selected>' in body


def test_a_coder_reads_the_builder_without_buttons_and_every_post_is_refused(
    wellbeing: Questionnaire, coder: User
) -> None:
    client = signed_in(coder)
    body = client.get(builder(wellbeing)).content.decode()
    main = body.split("<main", 1)[1]
    assert "<form" not in main
    assert ">Publish<" not in main
    assert ">Edit<" not in main
    assert "Details" in main
    assert "data-reorder-url" not in main
    section = wellbeing.sections.get(key="about")
    assert client.get(builder(wellbeing, "studies:section", section_pk=section.pk)).status_code == 200
    assert client.get(builder(wellbeing, "studies:questionnaire_preview")).status_code == 200
    ids = [[pk, section_id] for pk, section_id in wellbeing.questions.values_list("pk", "section_id")]
    posts = [
        (builder(wellbeing, "studies:questionnaire_publish"), {}),
        (builder(wellbeing, "studies:questionnaire_reorder"), {"order": json.dumps(ids)}),
        (builder(wellbeing), {"action": "section", "key": "more", "title_en": "More"}),
        (builder(wellbeing, "studies:section", section_pk=section.pk), {"key": "x", "title_en": "X"}),
        (builder(wellbeing, "studies:section_move", section_pk=section.pk), {"direction": "down"}),
        (builder(wellbeing, "studies:section_delete", section_pk=section.pk), {"confirm": "yes"}),
    ]
    for address, data in posts:
        assert client.post(address, data).status_code == 403, address
    wellbeing.refresh_from_db()
    assert wellbeing.published_at is None
    assert list(wellbeing.sections.values_list("key", flat=True)) == ["about", "mood"]


def test_a_manager_adds_renames_moves_and_deletes_a_section(wellbeing: Questionnaire, researcher: User) -> None:
    client = signed_in(researcher)
    refused = client.post(builder(wellbeing), {"action": "section", "key": "more", "title_en": "More"})
    assert refused.status_code == 400
    assert 'href="#id_section_title_es"' in refused.content.decode()
    added = {"action": "section", "key": "more", "title_en": "More", "title_es": "Más", "title_hi": "और"}
    assert client.post(builder(wellbeing), added).status_code == 302
    more = wellbeing.sections.get(key="more")
    renamed = {"key": "closing", "title_en": "Closing", "title_es": "Cierre", "title_hi": "अंत"}
    response = client.post(builder(wellbeing, "studies:section", section_pk=more.pk), renamed)
    assert response["Location"].endswith(f"#section-{more.pk}")
    more.refresh_from_db()
    assert (more.key, more.title["es"]) == ("closing", "Cierre")
    client.post(builder(wellbeing, "studies:section_move", section_pk=more.pk), {"direction": "up"})
    assert list(wellbeing.sections.order_by("position").values_list("key", flat=True)) == ["about", "closing", "mood"]
    mood = wellbeing.sections.get(key="mood")
    asked = client.post(builder(wellbeing, "studies:section_delete", section_pk=mood.pk))
    assert "its questions stay" in asked.content.decode()
    client.post(builder(wellbeing, "studies:section_delete", section_pk=mood.pk), {"confirm": "yes"})
    assert order(wellbeing) == [("name", "about"), ("sleep", "closing"), ("why", "closing")]
    actions = set(AuditEntry.objects.filter(action__startswith="section.").values_list("action", flat=True))
    assert actions == {"section.created", "section.updated", "section.moved", "section.deleted"}


def test_the_reorder_endpoint_saves_an_order_and_refuses_one_above_what_a_condition_reads(
    wellbeing: Questionnaire, owner: User
) -> None:
    client = signed_in(owner)
    url = builder(wellbeing, "studies:questionnaire_reorder")
    pk = dict(wellbeing.questions.values_list("key", "pk"))
    about, mood = (wellbeing.sections.get(key=key).pk for key in ("about", "mood"))
    refused = client.post(url, {"order": json.dumps([[pk["name"], about], [pk["why"], mood], [pk["sleep"], mood]])})
    assert refused.status_code == 400
    assert refused.json()["error"] == "“why” reads the answer to “sleep”, so it must stay below it."
    assert order(wellbeing) == [("name", "about"), ("sleep", "mood"), ("why", "mood")]
    assert client.post(url, {"order": "[[1, 2"}).status_code == 400
    moved = client.post(url, {"order": json.dumps([[pk["sleep"], None], [pk["name"], about], [pk["why"], mood]])})
    assert moved.json() == {"saved": True}
    assert order(wellbeing) == [("sleep", None), ("name", "about"), ("why", "mood")]
    assert AuditEntry.objects.filter(action="questionnaire.reordered").count() == 1


def test_publishing_shows_the_draft_to_participants_once(wellbeing: Questionnaire, owner: User) -> None:
    client = signed_in(owner)
    response = client.post(builder(wellbeing, "studies:questionnaire_publish"), follow=True)
    body = response.content.decode()
    assert "The questionnaire is published: participants can answer it now." in body
    assert "Published" in body
    assert f'action="{builder(wellbeing, "studies:questionnaire_publish")}"' not in body
    wellbeing.refresh_from_db()
    published = wellbeing.published_at
    assert published is not None
    client.post(builder(wellbeing, "studies:questionnaire_publish"))
    wellbeing.refresh_from_db()
    assert wellbeing.published_at == published
    assert AuditEntry.objects.filter(action="questionnaire.published").count() == 1


def test_an_empty_questionnaire_is_not_published(study: Study, owner: User) -> None:
    empty = create_questionnaire(study=study, kind="feedback", title={"en": "F"}, draft=True)
    response = signed_in(owner).post(builder(empty, "studies:questionnaire_publish"), follow=True)
    assert "Add at least one question before publishing." in response.content.decode()
    empty.refresh_from_db()
    assert empty.published_at is None


def test_a_new_questionnaire_starts_as_a_draft(study: Study, researcher: User) -> None:
    data = {"kind": "feedback", "title": "Feedback", "available_from": "interviewed"}
    signed_in(researcher).post(reverse("studies:questionnaires", args=[study.slug]), data)
    assert Questionnaire.objects.get(study=study, kind="feedback").published_at is None


def test_the_preview_in_spanish_shows_the_spanish_texts_and_a_switcher(wellbeing: Questionnaire, viewer: User) -> None:
    response = signed_in(viewer).get(builder(wellbeing, "studies:questionnaire_preview") + "?lang=es")
    body = response.content.decode()
    assert response["Content-Language"] == "es"
    assert '<html lang="es"' in body
    with translation.override("es"):
        banner = gettext("Preview - answers are not saved")
    assert banner != "Preview - answers are not saved"  # the page's own words are in Spanish too
    for text in ("¿Su nombre?", "Sobre usted", "Su ánimo", "¿Duerme bien?", banner):
        assert text in body, text
    assert '<span class="piped" data-pipe="name">' in body
    assert '<a href="?lang=en" hreflang="en" lang="en">en</a>' in body
    assert '<strong aria-current="page">es</strong>' in body
    assert "studies/participant.js" in body
    assert "studies/participant.css" in body
    unknown = signed_in(viewer).get(builder(wellbeing, "studies:questionnaire_preview") + "?lang=xx")
    assert "Your first name?" in unknown.content.decode()  # the study's first language


def test_a_preview_checks_the_answers_like_the_portal_and_saves_nothing(wellbeing: Questionnaire, coder: User) -> None:
    client = signed_in(coder)
    url = builder(wellbeing, "studies:questionnaire_preview") + "?lang=es"
    before = ScreeningResponse.objects.count()
    missing = client.post(url, {"q_sleep": "yes"})
    assert missing.status_code == 400
    with translation.override("es"):
        accepted_words = gettext("These answers would be accepted")
    assert accepted_words not in missing.content.decode()
    assert 'href="#id_q_name"' in missing.content.decode()
    accepted = client.post(url, {"q_name": "Ana", "q_sleep": "yes", "q_why": "Calm"})
    assert accepted.status_code == 200
    body = accepted.content.decode()
    assert accepted_words in body
    assert '<span class="piped" data-pipe="name">Ana</span>' in body
    assert ScreeningResponse.objects.count() == before
