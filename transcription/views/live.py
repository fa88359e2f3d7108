"""What the interview page shows the people who run interviews beside the distress protocol: their time-stamped
notes (studies.services.interview_notes), each linked to the latest recording once one exists, and the number to
call for a phone interview. The caller checked that the role is one of them (INTERVIEW_ROLES, the contact roles)."""

from __future__ import annotations

import phonenumbers
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import record_event
from studies.models import ContactDetails, Interview, StudyMembership
from studies.services.distress import LIVE_MODES
from studies.services.interview_notes import DELETE_WITHIN, NOTE_MAX_LENGTH, NOTE_STATUSES, notes_of
from transcription.models import Recording


def notes_context(membership: StudyMembership, interview: Interview, recordings: list[Recording]) -> dict[str, object]:
    """The notes, whether more can be taken, which the reader may still take back, and the media address each
    note's time plays from (the newest recording's first file; `recordings` come newest first)."""
    if interview.mode not in LIVE_MODES:
        return {}
    notes = list(notes_of(interview))
    now = timezone.now()
    first_file = next((file for recording in recordings for file in recording.files.all()), None)
    media_url = reverse("transcription:media", args=[membership.study.slug, first_file.id]) if first_file else ""
    return {
        "notes": notes,
        "can_note": interview.status in NOTE_STATUSES,
        "note_max_length": NOTE_MAX_LENGTH,
        "deletable_notes": {
            note.pk for note in notes if note.author_id == membership.user_id and now - note.written_at <= DELETE_WITHIN
        },
        "media_url": media_url,
    }


def phone_context(request: HttpRequest, membership: StudyMembership, interview: Interview) -> dict[str, object]:
    """For a phone interview, the number the participant gave (written for reading and as a tel: link); showing it
    is a view of contact details, audited as on the participant page."""
    if interview.mode != Interview.Mode.PHONE:
        return {}
    phone = ContactDetails.objects.filter(participant_id=interview.participant_id).values_list("phone", flat=True)
    number = next(iter(phone), "")
    if not number:
        return {"phone_missing": True}
    record_event(
        action="contact_details.viewed", request=request, study_id=membership.study_id, target=interview.participant
    )
    return {"phone": _readable(number), "phone_link": _dialable(number)}


def _parsed(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None  # typed at screening without a country code: shown as given


def _readable(number: str) -> str:
    parsed = _parsed(number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL) if parsed else number


def _dialable(number: str) -> str:
    parsed = _parsed(number)
    if parsed is not None:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return "".join(character for character in number if character.isdigit() or character == "+")
