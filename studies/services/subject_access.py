"""A participant's own data, exported for them on request (their answers, consents, transcripts).

The research team hands this file to the person; it holds their contact details and their raw words, so
only owners and researchers may build it, and each export is audit-logged.
"""

from __future__ import annotations

from typing import Any

from accounts.audit import record_event
from studies.models import Participant


def export_participant_data(*, participant: Participant, actor: Any) -> dict[str, Any]:
    """Everything the platform holds about one participant, as JSON-ready data. The caller checked the role."""
    contact = getattr(participant, "contact", None)
    data: dict[str, Any] = {
        "study": participant.study.title,
        "pseudonym": participant.code,
        "status": participant.status,
        "language": participant.language,
        "contact": {"name": contact.name, "email": contact.email, "phone": contact.phone} if contact else None,
        "screening": [
            {"submitted_at": response.submitted_at.isoformat(), "answers": response.answers}
            for response in participant.responses.order_by("submitted_at")
        ],
        "consents": [
            {
                "document": f"{consent.document.title} v{consent.document.version} ({consent.document.language})",
                "choices": consent.choices,
                "signed_at": consent.signed_at.isoformat(),
                "text_sha256": consent.text_sha256,
            }
            for consent in participant.consents.select_related("document").order_by("signed_at")
        ],
        "interviews": [_interview(interview) for interview in participant.interviews.order_by("created_at")],
    }
    record_event(action="participant.data_exported", actor=actor, study_id=participant.study_id, target=participant)
    return data


def _interview(interview: Any) -> dict[str, Any]:
    transcripts = []
    for recording in interview.recordings.all():
        transcript = getattr(recording, "transcript", None)
        version = transcript.versions.order_by("-number").first() if transcript else None
        if transcript is not None and version is not None:
            segments = version.segments.order_by("index").values("start", "end", "speaker", "text")
            transcripts.append({"language": transcript.language, "segments": list(segments)})
    start = interview.scheduled_start.isoformat() if interview.scheduled_start else None
    return {"mode": interview.mode, "status": interview.status, "scheduled_start": start, "transcripts": transcripts}
