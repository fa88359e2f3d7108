"""Asynchronous voice interviews: a participant answers the study's guide questions by voice, in the browser.

An answer arrives as one request body. It is streamed into a private temporary file (never held whole in memory),
checked by decoding exactly like the team's uploads (`probe_media`), encrypted into storage and saved as a
Recording with one track (the participant's pseudonym as its speaker) whose transcription job is sent on commit.
A refused answer leaves nothing behind: no rows, no stored object, no temporary file.

Re-recording replaces the answer: the old recording, its stored file and its transcript are deleted in the same
transaction. Deleting the job row is what stops a worker already transcribing it: its heartbeat and its final
write are conditional on the job still being its claim (transcription.services.jobs), so nothing is saved.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.models import GuideQuestion, Interview, Participant
from studies.services.scheduling import complete_interview
from transcription.media import MediaInfo, MediaRefused, probe_media
from transcription.models import Recording, VoiceAnswer
from transcription.services.recordings import (
    RecordingPlan,
    RecordingRefused,
    StagedMedia,
    StoredMedia,
    check_consent,
    create_recording_rows,
    stored_media,
)
from transcription.services.withdrawal import delete_recording
from transcription.uploads import upload_dir

# The client stops at the question's limit; encoders and containers may add a little.
ANSWER_TOLERANCE_SECONDS = 5
# Shorter than this cannot hold an answer (a tap on record and stop at once).
MIN_ANSWER_SECONDS = 1.0
# The most a second of an acceptable answer may weigh: uncompressed 48 kHz 16-bit stereo, as a phone's recorder
# app may hand over. The browser's Opus or AAC recordings are a small fraction of this.
MAX_BYTES_PER_SECOND = 48_000 * 2 * 2
ANSWER_UPLOADS_PER_HOUR = 60
READ_PIECE = 64 * 1024


class AnswerRefused(RecordingRefused):
    """The answer cannot be accepted; the message is for the participant, in their language; `status` is the
    HTTP status the portal answers with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def answer_byte_limit(question: GuideQuestion) -> int:
    """The largest body accepted for an answer to `question`."""
    seconds = question.max_seconds + ANSWER_TOLERANCE_SECONDS
    return min(settings.MAX_UPLOAD_BYTES, seconds * MAX_BYTES_PER_SECOND + 1024**2)


def within_answer_rate(participant_id: int) -> bool:
    """At most ANSWER_UPLOADS_PER_HOUR answers per participant per clock hour (a runaway page or a stolen
    portal session cannot fill the disk or the transcription queue)."""
    key = f"voice-answers:{participant_id}:{int(time.time() // 3600)}"
    cache.add(key, 0, timeout=3600)
    return cache.incr(key) <= ANSWER_UPLOADS_PER_HOUR


def voice_interview_of(participant: Participant) -> Interview | None:
    """The participant's open asynchronous voice interview, if they have one."""
    return participant.interviews.filter(mode=Interview.Mode.ASYNC_VOICE, status=Interview.Status.SCHEDULED).first()


def check_answerable(interview: Interview, question: GuideQuestion | None = None) -> None:
    """Refuse answers to an interview that is not an open voice interview, or to another study's question."""
    if interview.mode != Interview.Mode.ASYNC_VOICE or interview.status != Interview.Status.SCHEDULED:
        raise AnswerRefused(_("This interview is closed: answers can no longer be changed."), 409)
    if question is not None and question.study_id != interview.study_id:
        raise AnswerRefused(_("This question is not part of your interview."), 404)


def check_answer_consent(interview: Interview) -> None:
    try:
        check_consent(interview)
    except RecordingRefused as error:
        raise AnswerRefused(str(error), 403) from error


def record_voice_answer(
    *, interview: Interview, question: GuideQuestion, read: Callable[[int], bytes], length: int
) -> VoiceAnswer:
    """Receive `length` bytes through `read`, check them by decoding, and save them as the answer to `question`
    (replacing an earlier answer). The caller has checked the portal session and that the interview is the
    participant's own. Raises AnswerRefused, leaving nothing behind."""
    check_answerable(interview, question)
    check_answer_consent(interview)
    limit = answer_byte_limit(question)
    if length <= 0:
        raise AnswerRefused(_("The recording is empty. Please try again."))
    if length > limit:
        raise AnswerRefused(_("The recording is too large to send. Please record a shorter answer."), 413)
    path = _receive(read, length)
    try:
        staged = StagedMedia(path, length, _probe(path, question))
        with stored_media([staged]) as stored, transaction.atomic():
            return _save(interview, question, stored[0])
    finally:
        path.unlink(missing_ok=True)


def _receive(read: Callable[[int], bytes], length: int) -> Path:
    """Stream the body into a new private file (0600, in the 0700 upload folder) one piece at a time."""
    # Named like an upload's file, so the periodic clean-up removes it should this process die before it does.
    path = upload_dir() / f"{uuid.uuid4()}.part"
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            remaining = length
            while remaining:
                piece = read(min(READ_PIECE, remaining))[:remaining]
                if not piece:
                    break
                handle.write(piece)
                remaining -= len(piece)
        if remaining:
            raise AnswerRefused(_("The recording did not arrive completely. Please send it again."))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _probe(path: Path, question: GuideQuestion) -> MediaInfo:
    try:
        info = probe_media(path)
    except MediaRefused as error:
        raise AnswerRefused(str(error)) from error
    if info.duration < MIN_ANSWER_SECONDS:
        raise AnswerRefused(_("The recording is too short to hold an answer. Please try again."))
    if info.duration > question.max_seconds + ANSWER_TOLERANCE_SECONDS:
        raise AnswerRefused(
            _("This recording is %(length)s long; answers to this question can be up to %(limit)s.")
            % {"length": clock(info.duration), "limit": clock(question.max_seconds)},
            413,
        )
    return info


def clock(seconds: float) -> str:
    """A duration as minutes and seconds (2:05), the way a recorder shows it."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _save(interview: Interview, question: GuideQuestion, stored: StoredMedia) -> VoiceAnswer:
    # The participant row first, as a withdrawal does: one that is under way finishes before the consent is
    # checked again here, and one that starts later finds this recording and cancels or erases it.
    participant = Participant.objects.select_for_update().get(pk=interview.participant_id)
    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    interview.participant = participant
    check_answerable(interview, question)
    check_answer_consent(interview)
    plan = RecordingPlan(layout=Recording.Layout.TRACKS, upload_ids=[], speakers=[participant.code])
    recording = create_recording_rows(interview=interview, user=None, plan=plan, files=[stored])
    return _set_recording(interview, question, recording)


def _set_recording(interview: Interview, question: GuideQuestion, recording: Recording | None) -> VoiceAnswer:
    """Point the answer at `recording` (None: skipped) and delete the recording it replaces, if any."""
    answer, created = VoiceAnswer.objects.select_for_update().get_or_create(
        interview=interview, question=question, defaults={"recording": recording}
    )
    old = None if created else answer.recording
    if not created:
        answer.recording = recording
        answer.save(update_fields=["recording", "updated_at"])
    if old is not None:
        delete_recording(old)
        record_event(
            action="voice_answer.replaced" if recording else "voice_answer.removed",
            actor_label="participant",
            study_id=interview.study_id,
            target=answer,
            detail={"question": question.pk, "deleted_recording": old.pk, "recording": getattr(recording, "pk", None)},
        )
    return answer


@transaction.atomic
def skip_question(*, interview: Interview, question: GuideQuestion) -> VoiceAnswer:
    """Record that the participant leaves `question` unanswered; an answer already recorded is deleted (a
    person may take back what they said). Needs no consent: nothing is recorded."""
    Participant.objects.select_for_update().get(pk=interview.participant_id)
    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    check_answerable(interview, question)
    return _set_recording(interview, question, None)


@transaction.atomic
def finish_voice_interview(*, interview: Interview) -> Interview:
    """Hand in the answers: the interview is completed once every guide question is answered or skipped."""
    locked = Interview.objects.select_for_update().get(pk=interview.pk)
    check_answerable(locked)
    questions = set(GuideQuestion.objects.filter(study_id=locked.study_id).values_list("pk", flat=True))
    answered = set(locked.voice_answers.values_list("question_id", flat=True))
    if not questions or questions - answered:
        raise AnswerRefused(_("Please answer or skip every question before you finish."), 409)
    return complete_interview(interview=locked)
