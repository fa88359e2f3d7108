"""The distress protocol's set-up: owners and researchers save questions in every study language, the outcomes that
alert and need a follow-up, and the follow-up; every refusal says why and changes nothing; every member reads it;
an archived study's protocol is read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from studies.models import DistressProtocol, SafetyEvent, Study
from studies.services import distress
from studies.services.distress_protocol import ProtocolError, save_protocol
from studies.services.launch import launch_checklist

pytestmark = pytest.mark.django_db
Outcome = SafetyEvent.Outcome
QUESTION = {"en": "Would you like a break?", "es": "¿Quiere hacer una pausa?", "hi": "क्या आप विराम चाहेंगे?"}
SECOND = {"en": "Who can be with you tonight?", "es": "¿Quién puede estar con usted esta noche?", "hi": "आज रात कौन?"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(study: Study) -> str:
    return reverse("studies:distress_protocol", args=[study.slug])


def form_data(questions: list[dict[str, str]], **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "notify_outcomes": [Outcome.URGENT_HELP],
        "follow_up_outcomes": [Outcome.STOP, Outcome.URGENT_HELP],
        "follow_up_hours": "48",
        "follow_up_assignee": "",
        "follow_up_channel": SafetyEvent.Channel.EMAIL,
    }
    for row, texts in enumerate(questions):
        data |= {f"q-{row}-{code}": text for code, text in texts.items()}
    return data | changes


def arguments(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "questions": [QUESTION],
        "notify_outcomes": [Outcome.STOP],
        "follow_up_outcomes": [Outcome.STOP],
        "follow_up_hours": 24,
        "follow_up_assignee_id": None,
        "follow_up_channel": SafetyEvent.Channel.PHONE,
    }
    return values | changes


@pytest.fixture
def saved(study: Study, owner: User) -> DistressProtocol:
    return save_protocol(study=study, user=owner, **arguments())


def snapshot(study: Study) -> list[dict[str, Any]]:
    return [dict(row) for row in DistressProtocol.objects.filter(study=study).values()]


def test_an_owner_saves_questions_outcomes_and_the_follow_up(study: Study, owner: User, interviewer: User) -> None:
    data = form_data([QUESTION, {}, SECOND], follow_up_assignee=str(interviewer.pk))
    response = client_for(owner).post(url(study), data)

    assert response.status_code == 302
    protocol = distress.protocol_for(study)
    assert protocol.questions == [QUESTION, SECOND]  # the empty row is dropped
    assert protocol.questions_in("es") == [QUESTION["es"], SECOND["es"]]
    assert protocol.notify_outcomes == (Outcome.URGENT_HELP,)
    assert protocol.follow_up_outcomes == (Outcome.STOP, Outcome.URGENT_HELP)
    assert (protocol.follow_up_hours, protocol.follow_up_assignee_id) == (48, interviewer.pk)
    assert protocol.follow_up_channel == SafetyEvent.Channel.EMAIL
    entry = AuditEntry.objects.get(action="distress_protocol.saved")
    assert entry.study_id == study.pk
    assert "pausa" not in str(entry.detail)
    assert entry.detail["questions"] == 2


def test_a_researcher_may_save_and_no_question_keeps_the_platform_s(study: Study, researcher: User) -> None:
    response = client_for(researcher).post(url(study), form_data([{}]))

    assert response.status_code == 302
    protocol = distress.protocol_for(study)
    assert not protocol.is_default
    assert protocol.questions_in("en")[0] == "How are you feeling right now?"


def test_a_question_missing_a_study_language_is_refused_naming_it(
    study: Study, owner: User, saved: DistressProtocol
) -> None:
    before = snapshot(study)
    response = client_for(owner).post(url(study), form_data([{"en": "Are you safe?", "es": "¿Está a salvo?"}]))

    assert response.status_code == 400
    page = response.content.decode()
    assert "data-error-summary" in page
    assert "Question 1 has no text in Hindi (hi): write it in every study language." in page
    assert 'href="#id_q-0-hi"' in page
    assert "Are you safe?" in page  # what was typed is shown again
    assert snapshot(study) == before
    assert AuditEntry.objects.filter(action="distress_protocol.saved").count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"notify_outcomes": ["panic"]}, "Choose outcomes from the list."),
        ({"follow_up_outcomes": [Outcome.STOP, "later"]}, "Choose outcomes from the list."),
        ({"follow_up_hours": 0}, "from 1 to 336"),
        ({"follow_up_hours": 337}, "from 1 to 336"),
        ({"follow_up_channel": "pigeon"}, "Choose how the follow-up is done."),
        ({"questions": [QUESTION] * 13}, "Write at most 12 questions."),
        ({"questions": [QUESTION | {"es": "x" * 301}]}, "Question 1 in Spanish (es) is too long"),
        ({"questions": [QUESTION, QUESTION | {"hi": " "}]}, "Question 2 has no text in Hindi (hi)"),
    ],
)
def test_refusals_say_why_and_change_nothing(
    study: Study, owner: User, saved: DistressProtocol, changes: dict[str, Any], message: str
) -> None:
    before = snapshot(study)

    with pytest.raises(ProtocolError, match=message.replace("(", r"\(").replace(")", r"\)")):
        save_protocol(study=study, user=owner, **arguments(**changes))

    assert snapshot(study) == before
    assert AuditEntry.objects.filter(action="distress_protocol.saved").count() == 1


def test_the_follow_up_goes_to_an_owner_researcher_or_interviewer_of_the_study(
    study: Study, owner: User, researcher: User, coder: User, viewer: User, outsider: User
) -> None:
    for person in (coder, viewer, outsider):
        with pytest.raises(ProtocolError, match="owner, a researcher or an interviewer") as refused:
            save_protocol(study=study, user=owner, **arguments(follow_up_assignee_id=person.pk))
        assert refused.value.field == "follow_up_assignee"
    assert not DistressProtocol.objects.filter(study=study).exists()

    assert save_protocol(study=study, user=owner, **arguments(follow_up_assignee_id=researcher.pk))
    page = client_for(owner).get(url(study)).content.decode()
    choices = page[page.index('name="follow_up_assignee"') : page.index("</select>", page.index("follow_up_assignee"))]
    assert f'value="{researcher.pk}" selected' in choices
    assert f'value="{coder.pk}"' not in choices
    assert "The interviewer who marked it" in choices


def test_every_member_reads_the_protocol_and_only_owners_and_researchers_change_it(
    study: Study, owner: User, researcher: User, interviewer: User, coder: User, viewer: User, outsider: User
) -> None:
    for user in (owner, researcher):
        page = client_for(user).get(url(study)).content.decode()
        assert "Save the protocol" in page
        assert 'placeholder="How are you feeling right now?"' in page
    for user in (interviewer, coder, viewer):
        response = client_for(user).get(url(study))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Save the protocol" not in page
        assert "How are you feeling right now?" in page  # the platform's questions, read
        assert client_for(user).post(url(study), form_data([QUESTION])).status_code == 403
        with pytest.raises(PermissionDenied):
            save_protocol(study=study, user=user, **arguments())
    assert client_for(outsider).get(url(study)).status_code == 404
    assert client_for(outsider).post(url(study), form_data([QUESTION])).status_code == 404
    assert not DistressProtocol.objects.filter(study=study).exists()


def test_an_archived_study_s_protocol_is_read_only(study: Study, owner: User, saved: DistressProtocol) -> None:
    Study.objects.filter(pk=study.pk).update(status=Study.Status.ARCHIVED)
    study.refresh_from_db()
    before = snapshot(study)

    page = client_for(owner).get(url(study)).content.decode()
    assert "can be read but no longer changed" in page
    assert "Save the protocol" not in page
    assert QUESTION["es"] in page
    response = client_for(owner).post(url(study), form_data([SECOND]))
    assert response.status_code == 400
    refused = response.content.decode()
    assert "data-error-summary" in refused
    assert "its set-up can no longer be changed" in refused
    with pytest.raises(ProtocolError, match="archived"):
        save_protocol(study=study, user=owner, **arguments(questions=[SECOND]))
    assert snapshot(study) == before


def test_languages_sit_side_by_side_right_to_left_ones_marked(study: Study, owner: User) -> None:
    Study.objects.filter(pk=study.pk).update(languages=["en", "ar"])
    study.refresh_from_db()

    page = client_for(owner).get(url(study)).content.decode()

    arabic = page[page.index('name="q-0-ar"') - 200 : page.index('name="q-0-ar"') + 200]
    assert 'dir="rtl"' in arabic
    assert 'lang="ar"' in arabic
    assert 'dir="auto"' in page[page.index('name="q-0-en"') - 200 : page.index('name="q-0-en"') + 200]


def test_a_language_added_after_saving_is_flagged_on_the_page_and_the_checklist(
    study: Study, owner: User, interviewer: User, saved: DistressProtocol
) -> None:
    assert next(check for check in launch_checklist(study=study) if check.code == "distress_protocol").ok
    Study.objects.filter(pk=study.pk).update(languages=["en", "es", "hi", "fr"])
    study.refresh_from_db()

    assert "No French text yet: write it before saving." in client_for(owner).get(url(study)).content.decode()
    assert "No French text yet." in client_for(interviewer).get(url(study)).content.decode()
    check = next(check for check in launch_checklist(study=study) if check.code == "distress_protocol")
    assert (check.ok, check.blocking) == (False, False)
    assert "French (fr)" in check.message
    assert check.url == url(study)


def test_the_safety_set_up_links_to_the_protocol(study: Study, viewer: User) -> None:
    page = client_for(viewer).get(reverse("studies:safety_setup", args=[study.slug])).content.decode()

    assert f'href="{url(study)}"' in page
