"""The team's wording of participants' messages (the messages page, studies.services.message_templates and
.message_wording), the team's message to one person, the reminder settings and each person's message history.
The mail server is the one thing mocked (Django's locmem backend)."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.audit import AuditEntry
from accounts.models import User
from studies.models import ContactDetails, MessageTemplate, OutboxMessage, Participant, Study
from studies.services import message_wording as wording
from studies.services.message_templates import MessageTemplateError, queue_team_message, save_message_template
from studies.services.quotas import invite_participants
from studies.tests.factories import ParticipantFactory
from studies.tests.mailkit import send_queued

pytestmark = pytest.mark.django_db
Kind = MessageTemplate.Kind
Status = OutboxMessage.Status
TEAM_WORDS = {"subject": "Noticias de {study}", "body": "Hola {code}: hay novedades. Su página: {link}"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:  # the test client's response (django-stubs names its type privately)
    return html.unescape(response.content.decode())


def page(study: Study, kind: str = Kind.NUDGE_CONSENT, language: str = "es") -> str:
    return reverse("studies:messages", args=[study.slug]) + f"?kind={kind}&language={language}"


def spanish_person(study: Study, status: str = Participant.Status.CONSENTED) -> Participant:
    participant = ParticipantFactory(study=study, status=status, language="es")
    ContactDetails.objects.create(participant=participant, name="Ana Person", email="ana@example.org")
    return participant


# --- Checking and filling the wording ----------------------------------------------------------------------------


def test_it_names_unknown_placeholders_and_lengths_and_keeps_the_subject_on_one_line() -> None:
    found = wording.problems(subject="Hola {nombre}\nmundo", body="x" * (wording.BODY_MAX_LENGTH + 1))
    assert found["subject"] == "Unknown placeholder: {nombre}. Use only {code}, {study}, {link} and {contact}."
    assert found["body"] == f"Too long: {wording.BODY_MAX_LENGTH + 1} characters, at most {wording.BODY_MAX_LENGTH}."
    assert wording.problems(subject="Hola {code}", body="{study} {link} {contact}") == {}
    assert wording.problems(subject="Line\nbreak", body="ok") == {"subject": "The subject must be one line."}


def test_filling_in_never_fills_what_a_title_brings_with_it() -> None:
    assert wording.fill("{study}: {link}", {"study": "About {link}", "link": "L"}) == "About {link}: L"


def test_the_service_refuses_what_the_form_refuses_and_writes_nothing(study: Study, researcher: User) -> None:
    with pytest.raises(MessageTemplateError) as refused:
        save_message_template(
            study=study, kind=Kind.NO_SHOW, language="es", subject="{lnik}", body="ok", user=researcher
        )
    assert refused.value.field == "subject"
    with pytest.raises(MessageTemplateError):
        save_message_template(study=study, kind=Kind.NO_SHOW, language="fr", subject="s", body="b", user=researcher)
    assert not MessageTemplate.objects.exists()


# --- The messages page -------------------------------------------------------------------------------------------


def test_every_member_reads_the_platforms_wording_where_the_team_saved_none(study: Study, viewer: User) -> None:
    response = client_for(viewer).get(page(study, Kind.NUDGE_BOOKING, "en"))
    body = text(response)
    assert response.status_code == 200
    assert "No wording saved: participants get the platform's wording, shown here." in body
    assert f"Please choose an interview time: {study.title}" in body  # the preview, filled in
    assert 'name="subject"' not in body  # read only


def test_a_researcher_saves_a_spanish_reminder_after_a_preview(study: Study, researcher: User) -> None:
    client = client_for(researcher)
    form = {"kind": Kind.NUDGE_CONSENT, "language": "es", **TEAM_WORDS}
    preview = client.post(page(study), {**form, "action": "preview"})
    assert preview.status_code == 200
    assert f"Noticias de {study.title}" in preview.content.decode()
    assert not MessageTemplate.objects.exists()
    saved = client.post(page(study), {**form, "action": "save"})
    assert saved.status_code == 302
    template = MessageTemplate.objects.get()
    assert (template.kind, template.language, template.subject) == (Kind.NUDGE_CONSENT, "es", TEAM_WORDS["subject"])
    entry = AuditEntry.objects.get(action="message_template.saved")
    assert entry.detail == {"kind": Kind.NUDGE_CONSENT, "language": "es", "created": True}
    assert "Hola" not in str(entry.detail)  # ids and codes only
    assert "The team's wording is used." in text(client.get(page(study)))


def test_a_refused_wording_is_shown_again_with_its_reasons_and_nothing_changes(study: Study, owner: User) -> None:
    response = client_for(owner).post(
        page(study), {"kind": Kind.NUDGE_CONSENT, "language": "es", "subject": "{nombre}", "body": "", "action": "save"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "data-error-summary" in body
    assert 'href="#id_subject"' in body
    assert 'href="#id_body"' in body
    assert "Unknown placeholder: {nombre}" in body
    assert not MessageTemplate.objects.exists()


def test_going_back_to_the_platforms_wording_deletes_the_teams(study: Study, researcher: User) -> None:
    MessageTemplate.objects.create(study=study, kind=Kind.NO_SHOW, language="es", subject="s", body="b")
    response = client_for(researcher).post(
        page(study, Kind.NO_SHOW), {"kind": Kind.NO_SHOW, "language": "es", "action": "reset"}
    )
    assert response.status_code == 302
    assert not MessageTemplate.objects.exists()
    assert AuditEntry.objects.filter(action="message_template.deleted").count() == 1


def test_only_owners_and_researchers_change_wording_and_an_archived_study_keeps_it(
    study: Study, interviewer: User, owner: User
) -> None:
    form = {"kind": Kind.NUDGE_CONSENT, "language": "es", "action": "save", **TEAM_WORDS}
    assert client_for(interviewer).post(page(study), form).status_code == 403
    Study.objects.filter(pk=study.pk).update(status=Study.Status.ARCHIVED)
    client = client_for(owner)
    assert 'name="subject"' not in client.get(page(study)).content.decode()
    assert client.post(page(study), form).status_code == 302  # refused with a message
    assert not MessageTemplate.objects.exists()


# --- The e-mails -------------------------------------------------------------------------------------------------


def test_the_invitation_uses_the_teams_wording_in_the_persons_language(study: Study) -> None:
    MessageTemplate.objects.create(
        study=study, kind=Kind.INVITATION, language="es", subject="Bienvenida", body="{link}"
    )
    ana = spanish_person(study, Participant.Status.ELIGIBLE)
    ben = ParticipantFactory(study=study, status=Participant.Status.ELIGIBLE, language="en")
    ContactDetails.objects.create(participant=ben, email="ben@example.org")
    invite_participants(participants=[ana, ben])
    assert send_queued() == [Status.SENT, Status.SENT]
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address["ana@example.org"].subject == "Bienvenida"
    assert by_address["ana@example.org"].body.startswith(f"{settings.SITE_URL}/p/")
    assert by_address["ben@example.org"].subject == f"Your invitation: {study.title}"


def test_the_team_message_goes_only_in_a_language_it_is_written_in(study: Study, researcher: User) -> None:
    ana = spanish_person(study)
    with pytest.raises(MessageTemplateError):
        queue_team_message(participant=ana, user=researcher)
    MessageTemplate.objects.create(study=study, kind=Kind.TEAM_MESSAGE, language="es", **TEAM_WORDS)
    queue_team_message(participant=ana, user=researcher)
    assert send_queued() == [Status.SENT]
    [sent] = mail.outbox
    assert sent.subject == f"Noticias de {study.title}"
    assert sent.body.startswith(f"Hola {ana.code}: hay novedades. Su página: {settings.SITE_URL}/p/")
    assert AuditEntry.objects.get(action="participant.team_message_queued").target_id == str(ana.id)


def test_a_team_message_whose_wording_was_deleted_before_sending_is_skipped(study: Study, researcher: User) -> None:
    ana = spanish_person(study)
    MessageTemplate.objects.create(study=study, kind=Kind.TEAM_MESSAGE, language="es", **TEAM_WORDS)
    queue_team_message(participant=ana, user=researcher)
    MessageTemplate.objects.all().delete()
    assert send_queued() == [Status.SKIPPED]
    assert mail.outbox == []


# --- The participant page: the team message button and the history -----------------------------------------------


def test_the_participant_page_sends_the_team_message_and_lists_what_was_sent(
    study: Study, researcher: User, interviewer: User
) -> None:
    ana = spanish_person(study)
    url = reverse("studies:participant", args=[study.slug, ana.code])
    action = reverse("studies:team_message", args=[study.slug, ana.code])
    client = client_for(researcher)
    assert action not in client.get(url).content.decode()  # nothing written in Spanish yet
    MessageTemplate.objects.create(study=study, kind=Kind.TEAM_MESSAGE, language="es", **TEAM_WORDS)
    assert action in client.get(url).content.decode()
    assert action not in client_for(interviewer).get(url).content.decode()
    assert client_for(interviewer).post(action).status_code == 403
    response = client.post(action, follow=True)
    body = text(response)
    assert "The team's message is on its way." in body
    history = body[body.index('id="message-history"') :]
    assert "message from the team" in history
    assert "waiting to be sent" in history
    assert "Hola" not in body  # never the text
    assert "ana@example.org" not in history  # the address shows only in the contact details
    assert "message from the team" in client_for(interviewer).get(url).content.decode()


# --- Reminder settings -------------------------------------------------------------------------------------------


def test_a_researcher_sets_the_reminders_and_a_refusal_changes_nothing(
    study: Study, researcher: User, viewer: User
) -> None:
    url = reverse("studies:reminders", args=[study.slug])
    settings_page = reverse("studies:settings", args=[study.slug])
    client = client_for(researcher)
    assert f'action="{url}"' in client.get(settings_page).content.decode()
    assert f'action="{url}"' not in client_for(viewer).get(settings_page).content.decode()
    assert client.post(url, {"after_days": "2", "max_count": "1"}).status_code == 302
    study.refresh_from_db()
    assert (study.nudge_after_days, study.nudge_max_count) == (2, 1)
    refused = client.post(url, {"after_days": "0", "max_count": "1"})
    assert refused.status_code == 400
    assert "data-error-summary" in refused.content.decode()
    study.refresh_from_db()
    assert (study.nudge_after_days, study.nudge_max_count) == (2, 1)
    assert client_for(viewer).post(url, {"after_days": "5", "max_count": "1"}).status_code == 403
    assert AuditEntry.objects.get(action="study.reminders_set").detail == {"after_days": 2, "max_count": 1}
