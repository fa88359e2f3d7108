"""What a partial withdrawal after a distress mark means for recordings and transcripts (a cut hook of
studies.services.partial_withdrawal, registered from TranscriptionConfig.ready).

A live interview ends at the mark: each of its recordings is cut there (the part before re-encoded, encrypted and
stored under a new name; the old file deleted once the withdrawal commits) and every version of its transcript loses
the segments from the first one that runs past the mark, the sentence under way at that moment included: nothing
said after the mark survives, in any version, its words, its English translation or the transcript's duration. A
voice interview loses the answers (recordings, files, jobs, transcripts) to the question the participant stopped at
and to every later one; the earlier answers stay.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import record_event
from config.media import delete_media, open_decrypted
from studies.models import SafetyEvent
from studies.services.partial_withdrawal import CutRefused, on_rollback
from transcription.audio_cut import cut_audio
from transcription.media import probe_media
from transcription.models import MediaFile, Recording, Segment, Transcript, TranscriptionJob, VoiceAnswer
from transcription.services.recordings import StagedMedia, stored_media
from transcription.services.withdrawal import delete_recording, delete_with_dependents
from transcription.uploads import upload_dir

Kind = SafetyEvent.Kind
# A mark this close to the start leaves no speech before it: the recording goes whole.
NOTHING_BEFORE_SECONDS = 0.5


def cut_after_mark(*, event: SafetyEvent) -> None:
    """Cut hook: the event's recordings and transcripts lose everything after its mark.

    Runs inside the partial withdrawal's transaction with the participant row and the event locked; the caller
    checked the request, the mark's time (a live interview) or question (a voice interview).
    """
    if event.interview_id is None:
        return
    if event.kind == Kind.INTERVIEW_DISTRESS and event.recording_offset is not None:
        _cut_interview(event, event.interview_id, event.recording_offset)
    elif event.kind == Kind.PARTICIPANT_SUPPORT and event.guide_question is not None:
        _remove_answers_from(event, event.interview_id, event.guide_question.position)


def _cut_interview(event: SafetyEvent, interview_id: int, offset: float) -> None:
    answers = VoiceAnswer.objects.filter(recording__isnull=False).values("recording_id")
    recordings = list(Recording.objects.select_for_update().filter(interview_id=interview_id).exclude(pk__in=answers))
    # Locked as retranscribe_recording locks them, so no new job starts on the old audio meanwhile.
    statuses = TranscriptionJob.objects.select_for_update().filter(recording__in=recordings).values_list("status")
    if any(status in TranscriptionJob.ACTIVE for (status,) in statuses):
        raise CutRefused(
            _("A transcription of this interview is queued or running: wait until it finishes, then apply this again.")
        )
    counts = {"recordings": len(recordings), "files": 0, "segments": 0}
    for recording in recordings:
        if offset < NOTHING_BEFORE_SECONDS:
            delete_recording(recording)
            continue
        for media_file in MediaFile.objects.select_for_update().filter(recording=recording, duration__gt=offset):
            counts["files"] += _cut_file(media_file, offset)
        transcript = Transcript.objects.select_for_update().filter(recording=recording).first()
        if transcript is not None:
            counts["segments"] += cut_transcript(transcript=transcript, offset=offset)
    record_event(action="transcription.cut", actor_label="system", study_id=event.study_id, target=event, detail=counts)


def _cut_file(media_file: MediaFile, offset: float) -> int:
    """Replace the stored file by its part before `offset`; 0 when it was already gone from storage (purged)."""
    temporary = upload_dir() / f"{uuid.uuid4()}.part"  # the upload clean-up removes it should this process die
    try:
        try:
            with open_decrypted(media_file.storage_name) as source:
                cut_audio(source, seconds=offset, target=temporary)
        except FileNotFoundError:
            return 0
        staged = StagedMedia(temporary, temporary.stat().st_size, probe_media(temporary))
        with stored_media([staged]) as stored:
            new = stored[0]
            on_rollback(lambda: delete_media(new.storage_name))
    finally:
        temporary.unlink(missing_ok=True)
    old = media_file.storage_name
    transaction.on_commit(lambda: delete_media(old))
    info = staged.info
    media_file.storage_name, media_file.sha256, media_file.byte_size = new.storage_name, new.sha256, staged.size
    media_file.duration, media_file.channels, media_file.sample_rate = info.duration, info.channels, info.sample_rate
    media_file.codec, media_file.container = info.codec[:32], info.container[:64]
    media_file.save()
    return 1


def cut_transcript(*, transcript: Transcript, offset: float) -> int:
    """Delete, in every version, the segments from the first that ends after `offset` (segments are in time order,
    so what follows it goes too) and the translation's entries that end after it (or say no end); returns how many
    segments went. The transcript's duration ends at the mark and its `updated_at` moves, so API syncs see the change.

    The caller holds the transcript's lock. Adjudication decisions on deleted segments go with them.
    """
    removed = translated = 0
    for version in transcript.versions.all():
        first = version.segments.filter(end__gt=offset).order_by("index").values_list("index", flat=True).first()
        if first is not None:
            gone = delete_with_dependents(Segment.objects.filter(version=version, index__gte=first))
            removed += gone.get(Segment._meta.label, 0)
        if version.translation:
            kept = [entry for entry in version.translation if float(entry.get("end", offset + 1)) <= offset]
            if len(kept) != len(version.translation):
                translated += len(version.translation) - len(kept)
                version.translation = kept
                version.save(update_fields=["translation"])
    if removed or translated or transcript.duration > offset:
        transcript.duration = min(transcript.duration, offset)
        transcript.save(update_fields=["duration", "updated_at"])
    return removed


def _remove_answers_from(event: SafetyEvent, interview_id: int, position: int) -> None:
    """Delete the answers to the question the participant stopped at and every later one (with their recordings,
    files, jobs and transcripts). A job transcribing one of them is stopped by its deletion (its claim no longer
    holds, transcription.services.jobs), as when a participant records an answer again."""
    answers = list(
        VoiceAnswer.objects.select_for_update()
        .filter(interview_id=interview_id, question__position__gte=position)
        .values_list("pk", "recording_id")
    )
    recordings = [recording for _pk, recording in answers if recording is not None]
    for recording in Recording.objects.filter(pk__in=recordings):
        delete_recording(recording)  # its answer goes with it
    # Skipped ones too: what the participant chose after the moment they stopped is withdrawn with the rest.
    VoiceAnswer.objects.filter(pk__in=[pk for pk, _recording in answers]).delete()
    record_event(
        action="transcription.answers_cut",
        actor_label="system",
        study_id=event.study_id,
        target=event,
        detail={"answers": len(answers), "recordings": len(recordings)},
    )
