"""A participant's data can be exported for them (answers, consents, bookings, transcripts, voice answers, safety
events with their follow-up, questionnaire emails) and nobody else's; managers only, audited; staff appear by
role, never by name."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from review.models import MemberCheck, MemberCheckComment
from review.tests.factories import machine_transcript
from studies.models import (
    ContactDetails,
    GuideQuestion,
    Interview,
    Participant,
    Question,
    Questionnaire,
    QuestionnaireNotice,
    SafetyEvent,
    ScreeningResponse,
    Study,
)
from studies.services.safety import follow_up_safety_event
from studies.services.subject_access import export_participant_data
from studies.tests.factories import (
    ConsentFactory,
    InterviewFactory,
    ParticipantFactory,
    QuestionFactory,
    QuestionnaireFactory,
    SlotFactory,
)
from transcription.models import VoiceAnswer

pytestmark = pytest.mark.django_db
FollowUp = SafetyEvent.FollowUp
NOTE = "Called her back; she is safe with her sister tonight and has the helpline number."


def test_a_researcher_exports_everything_held_about_one_participant(study: Study, researcher: User) -> None:
    participant = ParticipantFactory(study=study)
    ContactDetails.objects.create(participant=participant, name="Amina Diallo", email="amina@example.org")
    ConsentFactory(participant=participant)
    machine_transcript(study, ["I talk to the chatbot when I cannot sleep."], participant=participant)
    client = Client()
    client.force_login(researcher)
    response = client.get(reverse("studies:participant_data", args=[study.slug, participant.code]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{participant.code}-data.json"'
    data = json.loads(response.content)
    assert data["contact"]["email"] == "amina@example.org"
    assert data["consents"][0]["choices"]["audio_recording"] is True
    segments = data["interviews"][0]["transcripts"][0]["segments"]
    assert segments[0]["text"] == "I talk to the chatbot when I cannot sleep."
    assert AuditEntry.objects.filter(action="participant.data_exported", actor=researcher).count() == 1


def test_only_owners_and_researchers_may_export_it(
    study: Study, interviewer: User, coder: User, outsider: User
) -> None:
    participant = ParticipantFactory(study=study)
    url = reverse("studies:participant_data", args=[study.slug, participant.code])
    for user, status in ((interviewer, 403), (coder, 403), (outsider, 404)):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status
    assert not AuditEntry.objects.filter(action="participant.data_exported").exists()


def export_of(participant: Participant, user: User) -> tuple[dict[str, Any], str]:
    """The downloaded file, parsed and as text (to look for what must not be in it)."""
    client = Client()
    client.force_login(user)
    response = client.get(reverse("studies:participant_data", args=[participant.study.slug, participant.code]))
    assert response.status_code == 200
    return json.loads(response.content), response.content.decode()


def risk_question(study: Study) -> None:
    QuestionFactory(
        questionnaire=QuestionnaireFactory(study=study),
        key="crisis",
        kind=Question.Kind.SINGLE,
        is_risk_item=True,
        risk_values=["yes"],
        text={"en": "Are you in crisis right now?", "es": "¿Está en crisis ahora mismo?"},
    )


def test_the_export_holds_each_safety_event_with_its_follow_up_state_and_note(study: Study, researcher: User) -> None:
    risk_question(study)
    participant = ParticipantFactory(study=study, language="es")
    handled = SafetyEvent.objects.create(study=study, participant=participant, question_key="crisis")
    follow_up_safety_event(event=handled, to=FollowUp.CONTACTED, note="", user=researcher)
    follow_up_safety_event(event=handled, to=FollowUp.RESOLVED, note=NOTE, user=researcher)
    handled.refresh_from_db()
    assert handled.followed_up_at is not None
    SafetyEvent.objects.create(study=study, participant=participant, question_key="crisis")
    data, text = export_of(participant, researcher)
    first, second = data["safety_events"]
    assert first == {
        "kind": "risk_item",
        "question": "crisis",
        "prompt": "¿Está en crisis ahora mismo?",
        "at": handled.created_at.isoformat(),
        "interview": None,
        "seconds_into_recording": None,
        "outcome": "",
        "assessment_note": "",
        "follow_up_due_at": None,
        "asked_not_to_use_after_mark_at": None,
        "removed_after_mark_at": None,
        "safety_contact_notified_at": None,
        "follow_up": "resolved",
        "follow_up_changed_at": handled.followed_up_at.isoformat(),
        "follow_up_changed_by": "research team",
        "follow_up_note": NOTE,
    }
    assert (second["follow_up"], second["follow_up_changed_at"], second["follow_up_changed_by"]) == ("open", None, None)
    # The team appears by role only, never by name or email.
    assert researcher.email not in text
    assert researcher.display_name not in text
    assert AuditEntry.objects.filter(action="participant.data_exported", actor=researcher).count() == 1


def test_the_export_holds_nothing_of_another_participants_safety_events(study: Study, researcher: User) -> None:
    risk_question(study)
    participant = ParticipantFactory(study=study)
    other = ParticipantFactory(study=study)
    event = SafetyEvent.objects.create(study=study, participant=other, question_key="crisis")
    follow_up_safety_event(event=event, to=FollowUp.RESOLVED, note=NOTE, user=researcher)
    data, text = export_of(participant, researcher)
    assert data["safety_events"] == []
    assert "sister" not in text
    assert export_of(other, researcher)[0]["safety_events"][0]["follow_up_note"] == NOTE


def test_the_export_lists_voice_answers_under_their_questions_with_the_words_and_skips(
    study: Study, researcher: User
) -> None:
    participant = ParticipantFactory(study=study, language="hi")
    transcript = machine_transcript(study, ["मैं रात को चैटबॉट से बात करती हूँ।"], participant=participant)
    interview = transcript.recording.interview
    first = GuideQuestion.objects.create(study=study, position=1, prompt={"en": "When?", "hi": "कब?"})
    second = GuideQuestion.objects.create(study=study, position=2, prompt={"en": "Why?"})
    answered = VoiceAnswer.objects.create(interview=interview, question=first, recording=transcript.recording)
    skipped = VoiceAnswer.objects.create(interview=interview, question=second)
    other_interview = machine_transcript(study, ["Not hers."]).recording.interview
    VoiceAnswer.objects.create(interview=other_interview, question=second, recording=other_interview.recordings.get())
    data, text = export_of(participant, researcher)
    (exported,) = data["interviews"]
    assert exported["voice_answers"] == [
        {
            "question": 1,
            "prompt": "कब?",
            "answered_at": answered.updated_at.isoformat(),
            "skipped": False,
            "transcript": exported["transcripts"][0],
        },
        {
            "question": 2,
            "prompt": "Why?",
            "answered_at": skipped.updated_at.isoformat(),
            "skipped": True,
            "transcript": None,
        },
    ]
    assert exported["transcripts"][0]["segments"][0]["text"] == "मैं रात को चैटबॉट से बात करती हूँ।"
    assert "Not hers." not in text


def test_the_export_holds_bookings_questionnaires_consent_records_and_withdrawal(
    study: Study, researcher: User
) -> None:
    now = timezone.now()
    participant = ParticipantFactory(
        study=study, time_zone="Asia/Kolkata", withdrawn_at=now, withdrawal_scope="keep_data"
    )
    slot = SlotFactory(study=study, interviewer=researcher)
    InterviewFactory(
        participant=participant,
        status=Interview.Status.SCHEDULED,
        slot=slot,
        scheduled_start=slot.start,
        duration_minutes=45,
        reminder_24h_sent_at=now,
    )
    ScreeningResponse.objects.create(
        study=study,
        questionnaire=QuestionnaireFactory(study=study, kind=Questionnaire.Kind.WELLBEING),
        participant=participant,
        form_token="stage:test",
        language="es",
        answers={"sleep": "poorly"},
        started_at=now,
        submitted_at=now,
    )
    ConsentFactory(participant=participant, ip_address="203.0.113.9", superseded_at=now)
    ScreeningResponse.objects.create(
        study=study,
        questionnaire=QuestionnaireFactory(study=study, kind=Questionnaire.Kind.FEEDBACK),
        participant=ParticipantFactory(study=study),
        form_token="someone-else",
        language="en",
        answers={"sleep": "someone else's answer"},
        started_at=now,
        submitted_at=now,
    )
    data, text = export_of(participant, researcher)
    assert (data["time_zone"], data["withdrawal"]) == ("Asia/Kolkata", {"at": now.isoformat(), "scope": "keep_data"})
    (booking,) = data["interviews"]
    assert (booking["status"], booking["scheduled_start"], booking["duration_minutes"]) == (
        "scheduled",
        slot.start.isoformat(),
        45,
    )
    assert booking["reminders_sent_at"] == [now.isoformat()]
    assert data["screening"] == [
        {
            "questionnaire": "wellbeing",
            "version": 1,
            "language": "es",
            "submitted_at": now.isoformat(),
            "answers": {"sleep": "poorly"},
            "eligible": None,
        }
    ]
    (consent,) = data["consents"]
    assert (consent["signature_name"], consent["ip_address"], consent["superseded_at"]) == (
        "Synthetic Participant",
        "203.0.113.9",
        now.isoformat(),
    )
    assert "someone else" not in text
    assert researcher.email not in text


def test_the_export_lists_their_questionnaire_emails_sent_and_those_not_sent_and_no_one_elses(
    study: Study, researcher: User
) -> None:
    participant = ParticipantFactory(study=study)
    wellbeing = QuestionnaireFactory(study=study, kind=Questionnaire.Kind.WELLBEING)
    sent_at = timezone.now()
    QuestionnaireNotice.objects.create(participant=participant, questionnaire=wellbeing, sent_at=sent_at)
    QuestionnaireNotice.objects.create(
        participant=ParticipantFactory(study=study), questionnaire=wellbeing
    )  # not theirs
    data = export_participant_data(participant=participant, actor=researcher)
    assert data["questionnaire_emails"] == [{"questionnaire": "wellbeing", "sent_at": sent_at.isoformat()}]
    QuestionnaireNotice.objects.filter(participant=participant).update(sent_at=None)  # no usable address then
    data = export_participant_data(participant=participant, actor=researcher)
    assert data["questionnaire_emails"] == [{"questionnaire": "wellbeing", "sent_at": None}]


def test_the_export_holds_their_member_checking_answers_and_comments(study: Study, researcher: User) -> None:
    participant = ParticipantFactory(study=study)
    transcript = machine_transcript(
        study, ["I talk to the chatbot at night.", "My sister knows."], participant=participant
    )
    check = MemberCheck.objects.create(
        transcript=transcript,
        version=transcript.versions.get(),
        sent_by=researcher,
        deadline=timezone.now(),
        status=MemberCheck.Status.CHANGES,
        responded_at=timezone.now(),
        message="Please leave out my sister.",
    )
    MemberCheckComment.objects.create(member_check=check, segment=1, text="She does not want to be named.")

    data, text = export_of(participant, researcher)

    (exported,) = data["interviews"][0]["transcripts"][0]["member_checks"]
    assert (exported["status"], exported["message"]) == ("changes", "Please leave out my sister.")
    assert exported["comments"] == [{"segment": 1, "text": "She does not want to be named."}]
    assert researcher.email not in text
