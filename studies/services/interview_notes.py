"""Time-stamped notes the interviewer takes during a live interview (studies.models.InterviewNote).

A note's time in the interview counts from Interview.started_at, as a distress mark's does, so that it can be found
in the recording once uploaded (the review editor seeks its player there). The text may say anything about the
person: it is encrypted at rest, read only by the people who run interviews (INTERVIEW_ROLES; the editor's owners
and researchers among them) and never written to a log, an audit entry or an error message: the audit has ids only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import record_event
from studies.models import Interview, InterviewNote
from studies.permissions import require_role
from studies.services.distress import INTERVIEW_ROLES, LIVE_MODES

NOTE_ROLES = INTERVIEW_ROLES
NOTE_MAX_LENGTH = 2000
# A note saved by mistake (Ctrl+Enter pressed too soon) can be taken back by its author for this long; after that
# it is part of the interview's record.
DELETE_WITHIN = timedelta(minutes=10)
# Notes are taken in an interview that is under way or has taken place, not in a cancelled or missed one.
NOTE_STATUSES = (Interview.Status.SCHEDULED, Interview.Status.COMPLETED)


class NoteError(Exception):
    """A note refused (empty, too long, an interview that is not live or did not take place, someone else's note, or
    too late to delete): nothing changed. The message never repeats the note."""


def notes_of(interview: Interview) -> QuerySet[InterviewNote]:
    """The interview's notes, oldest first, with their authors. Callers check the reader's role (NOTE_ROLES)."""
    return InterviewNote.objects.filter(interview=interview).select_related("author").order_by("written_at", "id")


def offset_at(interview: Interview, moment: Any) -> float | None:
    """Seconds from the interview's start on its page to `moment`; None when it was not started there (yet)."""
    started = interview.started_at
    if started is None or moment < started:
        return None
    return (moment - started).total_seconds()


def clean_note_text(text: str) -> str:
    """The note as stored (surrounding space removed); NoteError when empty or longer than NOTE_MAX_LENGTH."""
    text = (text or "").strip()
    if not text:
        raise NoteError(_("Write the note first."))
    if len(text) > NOTE_MAX_LENGTH:
        raise NoteError(
            ngettext(
                "A note holds at most %(limit)d character; split it in two.",
                "A note holds at most %(limit)d characters; split it in two.",
                NOTE_MAX_LENGTH,
            )
            % {"limit": NOTE_MAX_LENGTH}
        )
    return text


def add_note(*, interview: Interview, text: str, user: Any, request: HttpRequest | None = None) -> InterviewNote:
    """Save a note now, with its time and its offset from the interview's start. The interview row is locked so
    that a note never lands in an interview being cancelled at the same moment."""
    require_role(user, interview.study.slug, NOTE_ROLES)
    text = clean_note_text(text)
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        if locked.mode not in LIVE_MODES:
            raise NoteError(_("Notes are taken in live interviews; a voice interview's participant answers alone."))
        if locked.status not in NOTE_STATUSES:
            raise NoteError(_("This interview was cancelled or missed: there is nothing to take notes on."))
        now = timezone.now()
        note = InterviewNote.objects.create(
            interview=locked, author=user, text=text, written_at=now, offset=offset_at(locked, now)
        )
        record_event(
            action="interview.note_added",
            actor=user,
            request=request,
            study_id=locked.study_id,
            target=note,
            detail={"interview": locked.pk},
        )
    return note


def delete_note(*, note: InterviewNote, user: Any, request: HttpRequest | None = None) -> None:
    """Take back one's own note within DELETE_WITHIN of writing it (a slip of the keyboard); anyone else's note, or
    an older one, stays."""
    require_role(user, note.interview.study.slug, NOTE_ROLES)
    with transaction.atomic():
        notes = InterviewNote.objects.select_for_update(of=("self",)).select_related("interview")
        locked = notes.filter(pk=note.pk).first()
        if locked is None:
            return
        if locked.author_id != user.pk:
            raise NoteError(_("Only the person who wrote a note can delete it."))
        if timezone.now() - locked.written_at > DELETE_WITHIN:
            minutes = int(DELETE_WITHIN.total_seconds() // 60)
            raise NoteError(
                ngettext(
                    "A note can be deleted only in the first %(minutes)d minute after it was written.",
                    "A note can be deleted only in the first %(minutes)d minutes after it was written.",
                    minutes,
                )
                % {"minutes": minutes}
            )
        record_event(
            action="interview.note_deleted",
            actor=user,
            request=request,
            study_id=locked.interview.study_id,
            target=locked,
            detail={"interview": locked.interview_id},
        )
        locked.delete()
