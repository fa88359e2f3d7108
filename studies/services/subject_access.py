"""A participant's own data, exported for them on request.

Their answers (every questionnaire), consents, bookings and interviews with transcripts (and what they said when
the team sent them one to check), the interviewer's notes, voice answers under their questions, safety events with
the team's follow-up, their payments, and the questionnaire emails sent to them. The
research team hands this file to the person; it holds their contact details, their raw words and the follow-up
notes about them, so only owners and researchers may build it, and each export is audit-logged.

Staff appear only as a role label ("research team"; transcripts keep their "interviewer" speaker), never
by name or email: the file is about the participant, and it leaves the platform.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.audit import record_event
from studies.forms.screening import localized
from studies.models import Consent, Interview, Participant, Question

TEAM_LABEL = "research team"


def export_participant_data(*, participant: Participant, actor: Any) -> dict[str, Any]:
    """Everything the platform holds about one participant, as JSON-ready data. The caller checked the role."""
    contact = getattr(participant, "contact", None)
    data: dict[str, Any] = {
        "study": participant.study.title,
        "pseudonym": participant.code,
        "status": participant.status,
        "language": participant.language,
        "time_zone": participant.time_zone,
        "withdrawal": _withdrawal(participant),
        "contact": {"name": contact.name, "email": contact.email, "phone": contact.phone} if contact else None,
        "screening": [
            {
                "questionnaire": response.questionnaire.kind,
                "version": response.version,
                "language": response.language,
                "submitted_at": response.submitted_at.isoformat(),
                "answers": response.answers,
                "eligible": response.eligible,
            }
            for response in participant.responses.select_related("questionnaire").order_by("submitted_at")
        ],
        "consents": [_consent(c) for c in participant.consents.select_related("document").order_by("signed_at")],
        "interviews": [
            _interview(interview, participant) for interview in participant.interviews.order_by("created_at")
        ],
        "safety_events": _safety_events(participant),
        # The platform's record of the questionnaire emails: which questionnaire, and when it went out (null when
        # there was no usable address then and nothing was sent).
        "questionnaire_emails": [
            {"questionnaire": notice.questionnaire.kind, "sent_at": _when(notice.sent_at)}
            for notice in participant.questionnaire_notices.select_related("questionnaire").order_by("created_at")
        ],
        # What they were owed and paid for taking part, with their own gift-card codes (who paid is not named).
        "incentives": [
            {
                "amount": f"{line.amount:.2f}",
                "currency": line.currency,
                "method": line.method,
                "status": line.status,
                "earned_at": line.earned_at.isoformat(),
                "paid_at": _when(line.paid_at),
                "reference": line.reference,
                "gift_code": line.gift_code,
            }
            for line in participant.incentives.order_by("earned_at", "id")
        ],
    }
    record_event(action="participant.data_exported", actor=actor, study_id=participant.study_id, target=participant)
    return data


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _withdrawal(participant: Participant) -> dict[str, Any] | None:
    if participant.withdrawn_at is None:
        return None
    return {"at": participant.withdrawn_at.isoformat(), "scope": participant.withdrawal_scope}


def _consent(consent: Consent) -> dict[str, Any]:
    document = consent.document
    return {
        "document": f"{document.title} v{document.version} ({document.language})",
        "choices": consent.choices,
        "signed_at": consent.signed_at.isoformat(),
        "signature_name": consent.signature_name,
        "ip_address": consent.ip_address,
        "language": consent.language,
        "superseded_at": _when(consent.superseded_at),
        "text_sha256": consent.text_sha256,
    }


def _transcript(recording: Any) -> dict[str, Any] | None:
    """The latest version of a recording's transcript, segment by segment; None while there is none."""
    transcript = getattr(recording, "transcript", None)
    version = transcript.versions.order_by("-number").first() if transcript else None
    if transcript is None or version is None:
        return None
    segments = version.segments.order_by("index").values("start", "end", "speaker", "text")
    return {"language": transcript.language, "segments": list(segments), "member_checks": _member_checks(transcript)}


def _member_checks(transcript: Any) -> list[dict[str, Any]]:
    """Each time the transcript was sent to them to read (member checking, the review app's rows): when, by when,
    their answer and message, and their comments by segment number, decrypted (they are theirs)."""
    return [
        {
            "sent_at": check.created_at.isoformat(),
            "deadline": check.deadline.isoformat(),
            "status": check.status,
            "answered_at": _when(check.responded_at),
            "message": check.message,
            "comments": [{"segment": c.segment, "text": c.text} for c in check.comments.order_by("segment", "id")],
        }
        for check in transcript.member_checks.order_by("created_at", "id")
    ]


def _interview(interview: Interview, participant: Participant) -> dict[str, Any]:
    """One booking or interview. `transcripts` has every recording's transcript (voice answers included, as
    before); `voice_answers` repeats each answer's transcript beside its question so it reads as a pair."""
    transcripts = [found for recording in interview.recordings.all() if (found := _transcript(recording))]
    return {
        "mode": interview.mode,
        "status": interview.status,
        "booked_at": interview.created_at.isoformat(),
        "scheduled_start": _when(interview.scheduled_start),
        "duration_minutes": interview.duration_minutes,
        "reminders_sent_at": [
            _when(at) for at in (interview.reminder_24h_sent_at, interview.reminder_1h_sent_at) if at
        ],
        "transcripts": transcripts,
        # The interviewer's notes about them, decrypted; without who wrote them (staff are never named here).
        "notes": [
            {"written_at": note.written_at.isoformat(), "seconds_from_start": note.offset, "text": note.text}
            for note in interview.notes.order_by("written_at", "id")
        ],
        "voice_answers": [
            {
                "question": answer.question.position,
                "prompt": answer.question.prompt_in(participant.language),
                "answered_at": answer.updated_at.isoformat(),
                "skipped": answer.recording_id is None,
                "transcript": _transcript(answer.recording) if answer.recording_id else None,
            }
            for answer in interview.voice_answers.select_related("question__study", "recording")
        ],
    }


def _safety_events(participant: Participant) -> list[dict[str, Any]]:
    """Each risk item the person's answer triggered, each moment of distress in an interview with its assessment,
    each time they asked for support, and the team's follow-up; notes decrypted (they are about them); who acted is
    given as the team's label only. The answer itself was never stored."""
    events = list(participant.safety_events.order_by("created_at", "id"))
    prompts = _risk_prompts(participant, {event.question_key for event in events})
    return [
        {
            "kind": event.kind,
            "question": event.question_key,
            "prompt": prompts.get(event.question_key, ""),
            "at": event.created_at.isoformat(),
            "interview": event.interview_id,
            "seconds_into_recording": event.recording_offset,
            "outcome": event.outcome,
            "assessment_note": event.assessment_note,
            "follow_up_due_at": _when(event.follow_up_due_at),
            "asked_not_to_use_after_mark_at": _when(event.cut_requested_at),
            "removed_after_mark_at": _when(event.cut_applied_at),
            "safety_contact_notified_at": _when(event.notified_at),
            "follow_up": event.follow_up,
            "follow_up_changed_at": _when(event.followed_up_at),
            "follow_up_changed_by": TEAM_LABEL if event.followed_up_at else None,
            "follow_up_note": event.follow_up_note,
        }
        for event in events
    ]


def _risk_prompts(participant: Participant, keys: set[str]) -> dict[str, str]:
    """Question text by key, in the person's language (else the study's first, else any), as the
    questionnaire showed it. A key is unique per questionnaire only, so risk items win over other questions."""
    language, fallback = participant.language.split("-")[0], (participant.study.languages or ["en"])[0]
    prompts: dict[str, str] = {}
    questions = Question.objects.filter(questionnaire__study_id=participant.study_id, key__in=keys)
    for question in questions.order_by("-is_risk_item", "questionnaire_id"):
        prompts.setdefault(question.key, localized(question.text, language, fallback))
    return prompts
