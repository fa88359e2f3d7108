"""A partial withdrawal after a distress mark deletes what the participant said after the mark from every store and
keeps the rest: the recording (cut and re-encoded, the old file gone), every transcript version and its translation,
redaction marks and tags, codings and adjudication decisions, and every export archive of the study. Proven as the
full erasure is (tests/test_erasure_everywhere.py): a pg_dump of the committed database and every stored file,
decrypted; the cut audio is transcribed again by the real Whisper model.

Real PostgreSQL, Redis, encrypted media storage, espeak-ng speech and Whisper; nothing is mocked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import BinaryIO, cast

import av
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import AuditEntry, User
from coding.models import Adjudication, AdjudicationDecision, Code, Coding
from config.media import open_decrypted, walk_media
from exports.models import ExportJob
from exports.tests.kit import built
from review.models import MemberCheck, MemberCheckComment, RedactedVersion, RedactionMark, RedactionTag
from review.services.approval import approve_version
from review.services.redaction import accept_undecided, mark_span, redact_latest
from studies.models import Interview, Role, SafetyEvent, Study
from studies.services import distress
from studies.services import partial_withdrawal as service
from studies.services.partial_withdrawal import CutRefused, apply_partial_withdrawal
from studies.tests.factories import ConsentFactory, InterviewFactory, MembershipFactory, ParticipantFactory
from tests.exportkit import code_span
from tests.test_erasure_everywhere import dump_database, stored_plaintext
from transcription import results
from transcription.models import (
    MediaFile,
    Recording,
    Segment,
    Transcript,
    TranscriptionJob,
    TranscriptVersion,
    VoiceAnswer,
)
from transcription.pipeline import transcribe
from transcription.services import claim_job, save_result
from transcription.services.voice_answers import record_voice_answer
from transcription.tests import speech, voicekit
from transcription.tests.jobkit import mixed_recording, private_media

__all__ = ["private_media"]
# Committed rows: pg_dump reads from its own connection, which sees no test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = "My friend Maria grows tomatoes in the garden behind our house."
AFTER = "Then my brother Daniel lost his job at the harbour last winter."
GAP = 2.0  # seconds of silence between the sentences; the mark falls in its middle
KEPT_WORDS = ("tomatoes", "garden")
CUT_WORDS = ("brother", "winter")


@dataclass
class Interviewed:
    """A live interview stopped after a distress mark, recorded, transcribed, redacted, approved, coded, exported."""

    study: Study
    event: SafetyEvent
    recording: Recording
    transcript: Transcript
    offset: float
    codings: dict[str, Coding]
    decisions: dict[str, AdjudicationDecision]


def _words(text: str) -> list[str]:
    return [word for word in CUT_WORDS + KEPT_WORDS if word in text.casefold()]


def _stopped_interview(study: Study, owner: User) -> tuple[Interview, SafetyEvent]:
    participant = ParticipantFactory(study=study)
    ConsentFactory(participant=participant)
    interview = InterviewFactory(participant=participant, status=Interview.Status.SCHEDULED)
    distress.start_interview(interview=interview, user=owner)
    event = distress.mark_distress(interview=interview, user=owner)
    event = distress.record_assessment(event=event, outcome=SafetyEvent.Outcome.STOP, note="Upset.", user=owner)
    return interview, event


@dataclass(frozen=True)
class Spoken:
    wav: bytes
    offset: float  # seconds: the middle of the pause between the sentences
    result: results.TranscriptionResult  # what the real Whisper model heard, once for the module


@pytest.fixture(scope="module")
def spoken() -> Spoken:
    before, after = speech.synthesize(BEFORE), speech.synthesize(AFTER)
    wav = speech.wav_bytes(speech.join(before, after, gap=GAP))
    heard = transcribe(results.TranscriptionRequest(tracks=(speech.track(wav),), expected_speakers=2))
    return Spoken(wav, len(before) / speech.RATE + GAP / 2, heard)


def _transcribed(interview: Interview, owner: User, spoken: Spoken) -> Recording:
    """Uploaded, and its job claimed and saved by the job services with the module's Whisper result."""
    mixed_recording(interview, owner, spoken.wav)
    recording = Recording.objects.get(interview=interview)
    job = claim_job(job_id=recording.jobs.get().id, worker="test")
    assert job is not None
    assert save_result(job=job, result=spoken.result)
    return recording


def _review(transcript: Transcript, owner: User, offset: float) -> TranscriptVersion:
    """Names marked before and after the mark, a redacted version approved; an English layer on the machine's."""
    machine = transcript.versions.get(number=1)
    segments = list(machine.segments.order_by("index"))
    assert any(s.end <= offset for s in segments), "a segment ends before the mark"
    assert any(s.start > offset for s in segments), "a segment starts after the mark"
    before = next(s for s in segments if "Maria" in s.text)
    after = next(s for s in segments if "Daniel" in s.text)
    mark_span(version=machine, segment=before.index, phrase="Maria", kind="NAME", user=owner)
    mark_span(version=machine, segment=after.index, phrase="Daniel", kind="NAME", user=owner)
    machine.translation = [{"start": s.start, "end": s.end, "text": s.text} for s in segments]
    machine.save(update_fields=["translation"])
    accept_undecided(version=machine, user=owner)
    redacted = redact_latest(transcript=transcript, base_number=1, user=owner)
    approve_version(transcript=transcript, number=redacted.number, user=owner)
    return redacted


def _code(version: TranscriptVersion, owner: User) -> tuple[dict[str, Coding], dict[str, AdjudicationDecision]]:
    text = version.text()
    code = Code.objects.create(study=version.transcript.recording.interview.study, name="Family")
    spans = {
        "before": (text.index("tomatoes"), text.index("tomatoes") + len("tomatoes")),
        "across": (text.index("garden"), text.index("brother") + len("brother")),
        "after": (text.index("winter"), text.index("winter") + len("winter")),
    }
    codings = {name: code_span(version, coder=owner, code=code, start=a, end=b) for name, (a, b) in spans.items()}
    adjudication = Adjudication.objects.create(transcript_version=version, adjudicator=owner)
    segments = list(version.segments.order_by("index"))
    decisions = {
        name: AdjudicationDecision.objects.create(
            adjudication=adjudication, segment=segment, code=code, outcome="merge", decided_by=owner
        )
        for name, segment in (("before", segments[0]), ("after", segments[-1]))
    }
    return codings, decisions


@pytest.fixture
def interviewed(study: Study, owner: User, private_media: Path, spoken: Spoken) -> Interviewed:
    interview, event = _stopped_interview(study, owner)
    recording, offset = _transcribed(interview, owner, spoken), spoken.offset
    event = distress.set_recording_offset(event=event, seconds=offset, user=owner)
    event = distress.request_cut(event=event)  # from the participant's page
    transcript = Transcript.objects.get(recording=recording)
    codings, decisions = _code(_review(transcript, owner, offset), owner)
    built(study, owner)
    return Interviewed(study, event, recording, transcript, offset, codings, decisions)


def _everything_decrypted() -> str:
    """Every segment, translation, coding, mark and tag as the application reads them (sealed fields opened)."""
    texts = [s.text for s in Segment.objects.all()]
    texts += [str(v.translation) for v in TranscriptVersion.objects.all()]
    texts += [c.text for c in Coding.objects.all()]
    texts += [m.text for m in RedactionMark.objects.all()] + [t.original for t in RedactionTag.objects.all()]
    texts += [r.mapping for r in RedactedVersion.objects.all()]
    return "\n".join(texts)


def _decoded_seconds(name: str) -> float:
    with open_decrypted(name) as reader, av.open(reader, mode="r") as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate


def _heard(name: str) -> str:
    track = results.Track(open=cast("partial[BinaryIO]", partial(open_decrypted, name)))
    return " ".join(segment.text for segment in transcribe(results.TranscriptionRequest(tracks=(track,))).segments)


def test_words_after_the_mark_are_nowhere_and_words_before_remain(interviewed: Interviewed, owner: User) -> None:
    old_name = MediaFile.objects.get(recording=interviewed.recording).storage_name
    before = dump_database(), stored_plaintext().decode("utf-8", errors="replace"), _everything_decrypted()
    assert [_words(text) for text in before] == [list(CUT_WORDS + KEPT_WORDS)] * 3, "the words were everywhere"
    assert "Daniel" in before[2]

    event = apply_partial_withdrawal(event=interviewed.event, user=owner)

    after = dump_database(), stored_plaintext().decode("utf-8", errors="replace"), _everything_decrypted()
    assert [_words(text) for text in after] == [list(KEPT_WORDS), [], list(KEPT_WORDS)]  # archives gone
    assert "Daniel" not in after[2]
    assert "Maria" in after[2]
    assert (event.cut_applied_at is not None, event.cut_applied_by) == (True, owner)
    assert AuditEntry.objects.filter(action="safety_event.cut_applied", target_id=str(event.pk)).exists()
    media = MediaFile.objects.get(recording=interviewed.recording)
    assert old_name not in set(walk_media())
    assert media.storage_name in set(walk_media())
    with open_decrypted(media.storage_name) as reader:
        plain = reader.read()
    assert (media.byte_size, media.sha256) == (len(plain), hashlib.sha256(plain).hexdigest())
    assert (media.codec, media.container) == ("flac", "flac")  # a WAV upload: cut without loss
    assert media.duration <= interviewed.offset
    assert _decoded_seconds(media.storage_name) <= interviewed.offset
    heard = _heard(media.storage_name).casefold()
    assert "tomatoes" in heard, heard
    assert not any(word in heard for word in CUT_WORDS), heard
    interviewed.transcript.refresh_from_db()
    assert interviewed.transcript.duration <= interviewed.offset


def test_codings_before_the_mark_stay_across_it_end_there_and_after_it_go(
    interviewed: Interviewed, owner: User
) -> None:
    before, across, after = (interviewed.codings[name] for name in ("before", "across", "after"))

    apply_partial_withdrawal(event=interviewed.event, user=owner)

    kept = Coding.objects.get(pk=before.pk)
    assert (kept.start, kept.end, kept.text) == (before.start, before.end, "tomatoes")
    text = across.transcript_version.text()
    shortened = Coding.objects.get(pk=across.pk)
    assert (shortened.start, shortened.end) == (across.start, len(text))
    assert shortened.text == text[across.start :]
    assert shortened.text.startswith("garden")
    assert "brother" not in shortened.text
    assert not Coding.objects.filter(pk=after.pk).exists()
    decisions = AdjudicationDecision.objects.filter(pk__in=[d.pk for d in interviewed.decisions.values()])
    assert list(decisions.values_list("pk", flat=True)) == [interviewed.decisions["before"].pk]


def test_every_version_keeps_its_segments_before_the_mark_and_tags_only_it_still_uses(
    interviewed: Interviewed, owner: User
) -> None:
    versions = list(interviewed.transcript.versions.order_by("number"))
    counts = {v.number: v.segments.filter(end__lte=interviewed.offset).count() for v in versions}
    assert sorted(tag.original for tag in RedactionTag.objects.all()) == ["Daniel", "Maria"]

    apply_partial_withdrawal(event=interviewed.event, user=owner)

    for version in versions:
        ends = list(version.segments.values_list("end", flat=True))
        assert len(ends) == counts[version.number]
        assert max(ends) <= interviewed.offset
    machine, redacted = versions
    machine.refresh_from_db()
    assert machine.translation
    assert all(entry["end"] <= interviewed.offset for entry in machine.translation)
    assert [tag.original for tag in RedactionTag.objects.all()] == ["Maria"]  # encrypted: compared as read
    link = RedactedVersion.objects.get(version=redacted)
    assert list(link.replacements) == [r for r in link.replacements if r["tag"] == "[NAME-1]"]
    assert "Daniel" not in link.mapping
    assert [mark.text for mark in RedactionMark.objects.all()] == ["Maria"]
    assert set(ExportJob.objects.values_list("state", flat=True)) == {ExportJob.State.DELETED}


def _state(event: SafetyEvent) -> tuple[object, ...]:
    event.refresh_from_db()
    names = sorted(walk_media())
    segments = Segment.objects.count()
    return event.cut_requested_at, event.cut_applied_at, names, segments, Coding.objects.count()


def test_refusals_change_nothing(interviewed: Interviewed, owner: User, coder: User) -> None:
    event = interviewed.event
    state = _state(event)
    with pytest.raises(PermissionDenied):
        apply_partial_withdrawal(event=event, user=coder)
    job = TranscriptionJob.objects.create(recording=interviewed.recording)  # a transcription queued again
    with pytest.raises(CutRefused, match="wait until it finishes"):
        apply_partial_withdrawal(event=event, user=owner)
    job.delete()
    SafetyEvent.objects.filter(pk=event.pk).update(recording_offset=None)
    with pytest.raises(CutRefused, match="Set where the mark falls"):
        apply_partial_withdrawal(event=event, user=owner)
    SafetyEvent.objects.filter(pk=event.pk).update(recording_offset=interviewed.offset, cut_requested_at=None)
    with pytest.raises(CutRefused, match="has not asked"):
        apply_partial_withdrawal(event=event, user=owner)
    assert _state(event) == (None, *state[1:])


def test_a_hook_failing_after_the_cut_leaves_no_new_file_and_no_change(
    interviewed: Interviewed, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*, event: SafetyEvent) -> None:
        raise CutRefused("a later app refused")

    monkeypatch.setattr(service, "_cut_hooks", [*service._cut_hooks, refuse])
    state = _state(interviewed.event)
    with pytest.raises(CutRefused):
        apply_partial_withdrawal(event=interviewed.event, user=owner)
    assert _state(interviewed.event) == state  # the cut file stored meanwhile was deleted, the old one kept
    assert MediaFile.objects.get(recording=interviewed.recording).codec == "pcm_s16le"


def test_a_manager_who_took_the_request_by_phone_records_it_and_applies_it_at_once(
    interviewed: Interviewed, researcher: User
) -> None:
    SafetyEvent.objects.filter(pk=interviewed.event.pk).update(cut_requested_at=None)
    event = apply_partial_withdrawal(event=interviewed.event, user=researcher, participant_asked=True)
    assert event.cut_requested_at is not None
    assert event.cut_applied_by == researcher
    assert AuditEntry.objects.filter(action="safety_event.cut_requested", target_id=str(event.pk)).exists()
    with pytest.raises(CutRefused, match="applied already"):
        apply_partial_withdrawal(event=event, user=researcher)


def test_a_voice_interview_loses_the_answers_from_the_question_the_participant_stopped_at(
    private_media: Path,
) -> None:
    interview, guide = voicekit.voice_interview(questions=3)
    owner = MembershipFactory(study=interview.study, role=Role.OWNER).user
    answers = {}
    for question in guide:
        data = voicekit.spoken_webm(f"My answer to question {question.position}.")
        answer = record_voice_answer(
            interview=interview, question=question, read=voicekit.reader(data).read, length=len(data)
        )
        assert answer.recording_id is not None
        answers[question.position] = answer.recording_id
    names = {p: MediaFile.objects.get(recording_id=r).storage_name for p, r in answers.items()}
    event = distress.open_support(interview=interview, question=guide[1])
    event = distress.stop_voice_interview(event=event)
    event = distress.request_cut(event=event)

    apply_partial_withdrawal(event=event, user=owner)  # their jobs are still queued: deleting them stops them

    assert list(VoiceAnswer.objects.filter(interview=interview).values_list("question__position", "recording_id")) == [
        (1, answers[1])
    ]
    assert list(Recording.objects.values_list("pk", flat=True)) == [answers[1]]
    assert sorted(walk_media()) == [names[1]]
    assert TranscriptionJob.objects.filter(recording_id__in=[answers[2], answers[3]]).count() == 0


def test_the_participants_member_checking_comments_after_the_mark_go_and_those_before_stay(
    interviewed: Interviewed, owner: User
) -> None:
    version = interviewed.transcript.versions.order_by("-number").first()
    assert version is not None
    check = MemberCheck.objects.create(
        transcript=interviewed.transcript, version=version, sent_by=owner, deadline=timezone.now() + timedelta(days=7)
    )
    last = version.segments.order_by("-index").values_list("index", flat=True)[0]
    MemberCheckComment.objects.create(member_check=check, segment=0, text="The tomatoes part is right.")
    MemberCheckComment.objects.create(member_check=check, segment=last, text="Please leave out my brother.")

    apply_partial_withdrawal(event=interviewed.event, user=owner)

    assert [comment.text for comment in MemberCheckComment.objects.all()] == ["The tomatoes part is right."]
