"""Voice answers recorded in the portal: checked by decoding like team uploads, gated by consent, encrypted, one
track per answer; refusals leave nothing behind; re-recording replaces the answer and its stored file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry
from config.media import open_decrypted
from studies.models import Interview, Participant, Role
from studies.services.withdrawal import withdraw_participant
from studies.tests.factories import MembershipFactory
from transcription import services
from transcription.models import MediaFile, Recording, Track, Transcript, TranscriptionJob, VoiceAnswer
from transcription.results import Segment, TranscriptionResult
from transcription.services import voice_answers
from transcription.services.monitor import JobMonitor
from transcription.services.voice_answers import AnswerRefused, record_voice_answer
from transcription.tests.jobkit import private_media, stored_files, temp_files
from transcription.tests.voicekit import reader, spoken_webm, voice_interview

__all__ = ["private_media"]
Status = TranscriptionJob.Status


def answer(interview: Interview, question: Any, data: bytes, *, length: int | None = None) -> VoiceAnswer:
    return record_voice_answer(
        interview=interview, question=question, read=reader(data).read, length=len(data) if length is None else length
    )


def assert_nothing_left(media: Path) -> None:
    assert stored_files(media) == []
    assert temp_files() == []
    assert not Recording.objects.exists()
    assert not MediaFile.objects.exists()
    assert not TranscriptionJob.objects.exists()
    assert not VoiceAnswer.objects.exists()


@pytest.fixture
def forget_answer_counts(redis_client: redis.Redis) -> None:
    for key in redis_client.scan_iter("*voice-answers:*"):
        redis_client.delete(key)


@pytest.mark.django_db
def test_an_answer_becomes_an_encrypted_one_track_recording_whose_job_is_sent_on_commit(
    private_media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    interview, (first, _second) = voice_interview(language="es")
    data = spoken_webm()
    with django_capture_on_commit_callbacks() as callbacks:
        saved = answer(interview, first, data)
    assert len(callbacks) == 1
    recording = saved.recording
    assert recording is not None
    assert (recording.layout, recording.expected_speakers, recording.uploaded_by) == ("tracks", 1, None)
    track = Track.objects.get(recording=recording)
    assert (track.speaker, track.channel) == (interview.participant.code, None)
    media = MediaFile.objects.get(recording=recording)
    assert (media.codec, media.container, media.byte_size) == ("opus", "matroska,webm", len(data))
    assert media.duration == pytest.approx(4.2, abs=1.5)
    assert media.sha256 == hashlib.sha256(data).hexdigest()
    with open_decrypted(media.storage_name) as plain:
        assert plain.read() == data
    assert data[:64] not in b"".join(path.read_bytes() for path in stored_files(private_media))
    assert recording.jobs.get().status == Status.QUEUED
    assert temp_files() == []
    # The worker's request: the participant's track and their language as the hint.
    request = services.jobs.build_request(recording)
    assert ([t.speaker for t in request.tracks], request.language_hint) == ([interview.participant.code], "es")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html><script>alert(1)</script></html>" * 200, "could not be decoded"),
        (b"", "empty"),
    ],
    ids=["not-media", "empty"],
)
def test_an_answer_that_is_not_audio_or_is_empty_is_refused_and_leaves_nothing(
    private_media: Path, data: bytes, reason: str
) -> None:
    interview, (question, _) = voice_interview()
    with pytest.raises(AnswerRefused, match=reason) as refused:
        answer(interview, question, data)
    assert refused.value.status == 400
    assert_nothing_left(private_media)


@pytest.mark.django_db
def test_a_truncated_recording_is_refused_and_leaves_nothing(private_media: Path) -> None:
    interview, (question, _) = voice_interview()
    whole = spoken_webm()
    with pytest.raises(AnswerRefused, match="incomplete"):
        answer(interview, question, whole[: len(whole) // 2])
    assert_nothing_left(private_media)


@pytest.mark.django_db
def test_a_body_that_stops_before_its_announced_length_is_refused(private_media: Path) -> None:
    interview, (question, _) = voice_interview()
    data = spoken_webm()
    with pytest.raises(AnswerRefused, match="did not arrive completely"):
        answer(interview, question, data, length=len(data) + 5000)
    assert_nothing_left(private_media)


@pytest.mark.django_db
def test_an_answer_longer_than_the_question_allows_is_refused_by_its_decoded_length(private_media: Path) -> None:
    interview, (question, _) = voice_interview(max_seconds=10)
    long_answer = spoken_webm(pad_seconds=12)
    with pytest.raises(AnswerRefused, match="up to 0:10") as refused:
        answer(interview, question, long_answer)
    assert refused.value.status == 413
    assert_nothing_left(private_media)


@pytest.mark.django_db
def test_an_answer_over_the_size_limit_is_refused_before_a_byte_is_read(private_media: Path) -> None:
    interview, (question, _) = voice_interview(max_seconds=10)
    limit = voice_answers.answer_byte_limit(question)
    assert limit == (10 + voice_answers.ANSWER_TOLERANCE_SECONDS) * voice_answers.MAX_BYTES_PER_SECOND + 1024**2

    def must_not_read(size: int) -> bytes:
        raise AssertionError("the body was read")

    with pytest.raises(AnswerRefused, match="too large") as refused:
        record_voice_answer(interview=interview, question=question, read=must_not_read, length=limit + 1)
    assert refused.value.status == 413
    assert_nothing_left(private_media)


@pytest.mark.django_db
@pytest.mark.parametrize(("audio", "transcription"), [(False, True), (True, False)], ids=["no-audio", "no-asr"])
def test_consent_without_audio_recording_or_transcription_refuses_the_answer(
    private_media: Path, audio: bool, transcription: bool
) -> None:
    interview, (question, _) = voice_interview(audio=audio, transcription=transcription)
    with pytest.raises(AnswerRefused, match="consent does not include") as refused:
        answer(interview, question, spoken_webm())
    assert refused.value.status == 403
    assert_nothing_left(private_media)


@pytest.mark.django_db
def test_another_studys_question_or_a_closed_interview_takes_no_answer(private_media: Path) -> None:
    interview, (question, _) = voice_interview()
    _other_interview, (foreign, _) = voice_interview()
    with pytest.raises(AnswerRefused) as refused:
        answer(interview, foreign, spoken_webm())
    assert refused.value.status == 404
    Interview.objects.filter(pk=interview.pk).update(status=Interview.Status.COMPLETED)
    interview.refresh_from_db()
    with pytest.raises(AnswerRefused, match="closed") as closed:
        answer(interview, question, spoken_webm())
    assert closed.value.status == 409
    assert_nothing_left(private_media)


@pytest.mark.django_db
def test_recording_again_replaces_the_answer_and_deletes_the_old_recording_and_its_file(
    private_media: Path, django_capture_on_commit_callbacks: Any, redis_client: redis.Redis
) -> None:
    interview, (question, _) = voice_interview()
    with django_capture_on_commit_callbacks(execute=True):
        first = answer(interview, question, spoken_webm("My first try."))
    old_recording, old_name = first.recording, MediaFile.objects.get().storage_name
    assert old_recording is not None
    with django_capture_on_commit_callbacks(execute=True):
        second = answer(interview, question, spoken_webm("A second, better answer."))
    redis_client.delete("transcription")  # the two jobs' messages: no worker runs in this test
    assert second.pk == first.pk
    assert second.recording is not None
    assert second.recording.pk != old_recording.pk
    assert not Recording.objects.filter(pk=old_recording.pk).exists()
    assert TranscriptionJob.objects.get().recording_id == second.recording.pk
    names = [path.name for path in stored_files(private_media)]
    assert len(names) == 1
    assert Path(old_name).name not in names
    entry = AuditEntry.objects.get(action="voice_answer.replaced")
    assert entry.detail == {
        "question": question.pk,
        "deleted_recording": old_recording.pk,
        "recording": second.recording.pk,
    }


@pytest.mark.django_db
def test_a_running_job_of_a_replaced_answer_is_stopped_and_saves_nothing(private_media: Path) -> None:
    interview, (question, _) = voice_interview()
    first = answer(interview, question, spoken_webm("My first try."))
    assert first.recording is not None
    running = services.claim_job(job_id=first.recording.jobs.get().id, worker="w1")
    assert running is not None
    answer(interview, question, spoken_webm("A second, better answer."))
    monitor = JobMonitor(job_id=running.id, attempt=running.attempts, participant_id=interview.participant_id)
    monitor.beat()
    assert not monitor.should_continue()
    segment = Segment(0.0, 1.0, "My first try.", interview.participant.code, "en", -0.1, 0.0, 1.0)
    result = TranscriptionResult([segment], "en", 0.99, 1.0, "faster-whisper", "bundled-base")
    assert services.save_result(job=running, result=result) is False
    assert not Transcript.objects.exists()


@pytest.mark.django_db
def test_skipping_an_answered_question_deletes_the_answer_and_finishing_completes_the_interview(
    private_media: Path, django_capture_on_commit_callbacks: Any, redis_client: redis.Redis
) -> None:
    interview, (first, second) = voice_interview()
    with django_capture_on_commit_callbacks(execute=True):
        answer(interview, first, spoken_webm())
    with pytest.raises(AnswerRefused, match="answer or skip every question"):
        voice_answers.finish_voice_interview(interview=interview)
    with django_capture_on_commit_callbacks(execute=True):
        voice_answers.skip_question(interview=interview, question=second)
        skipped_first = voice_answers.skip_question(interview=interview, question=first)
    redis_client.delete("transcription")
    assert skipped_first.is_skipped
    assert not Recording.objects.exists()
    assert stored_files(private_media) == []
    assert AuditEntry.objects.filter(action="voice_answer.removed").count() == 1
    voice_answers.finish_voice_interview(interview=interview)
    interview.refresh_from_db()
    assert interview.status == Interview.Status.COMPLETED
    assert Participant.objects.get(pk=interview.participant_id).status == Participant.Status.INTERVIEWED
    with pytest.raises(AnswerRefused, match="closed"):
        voice_answers.skip_question(interview=interview, question=first)


@pytest.mark.django_db
@pytest.mark.parametrize("scope", list(Participant.WithdrawalScope))
def test_a_withdrawal_cancels_the_queued_answer_jobs_and_erasure_deletes_the_answers(
    private_media: Path, django_capture_on_commit_callbacks: Any, scope: str
) -> None:
    interview, (question, _) = voice_interview()
    answer(interview, question, spoken_webm())
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_participant(participant=interview.participant, scope=scope)
    if scope == Participant.WithdrawalScope.DELETE_ALL:
        assert not VoiceAnswer.objects.exists()
        assert stored_files(private_media) == []
    else:
        assert TranscriptionJob.objects.get().status == Status.CANCELLED
        assert VoiceAnswer.objects.get().recording is not None
    interview.refresh_from_db()
    with pytest.raises(AnswerRefused):
        answer(interview, question, spoken_webm())


@pytest.mark.django_db
def test_answers_are_rate_limited_per_participant(forget_answer_counts: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(voice_answers, "ANSWER_UPLOADS_PER_HOUR", 2)
    assert [voice_answers.within_answer_rate(7) for _ in range(3)] == [True, True, False]
    assert voice_answers.within_answer_rate(8)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_answer_is_transcribed_by_the_real_model_under_the_participants_code(private_media: Path) -> None:
    interview, (question, _) = voice_interview()
    saved = answer(interview, question, spoken_webm("The weather is nice today and we are talking about routines."))
    assert saved.recording is not None
    job = saved.recording.jobs.get()
    assert services.run_transcription_job(job_id=job.id, worker="w1") == "succeeded"
    version = Transcript.objects.get(recording=saved.recording).versions.get()
    assert "talking about routines" in version.text().lower()
    assert set(version.segments.values_list("speaker", flat=True)) == {interview.participant.code}


@pytest.mark.django_db
def test_the_team_sees_each_answer_under_its_question_with_its_job_state(private_media: Path) -> None:
    interview, (first, second, _third) = voice_interview(questions=3)
    saved = answer(interview, first, spoken_webm())
    voice_answers.skip_question(interview=interview, question=second)
    interviewer = MembershipFactory(study=interview.study, role=Role.INTERVIEWER).user
    coder = MembershipFactory(study=interview.study, role=Role.CODER).user
    url = reverse("transcription:interview", args=[interview.study.slug, interview.pk])
    client = Client()
    client.force_login(interviewer)
    page = client.get(url).content.decode()
    assert saved.recording is not None
    job = saved.recording.jobs.get()
    assert page.index("Question 1 in English?") < page.index(f'data-job="{job.id}"') < page.index("Question 2")
    assert "Skipped by the participant." in page
    assert "Not answered yet." in page
    assert reverse("transcription:media", args=[interview.study.slug, saved.recording.files.get().pk]) in page
    assert "Other recordings" not in page
    client.force_login(coder)
    assert "<audio" not in client.get(url).content.decode()
