"""The whole transcript's language (issue #22): one rule for the command, the worker and voice answers; silence and
tones are "no speech" with no language; a stereo upload's duration counts once. The real bundled Whisper model on
espeak-ng speech, tones made with NumPy, PostgreSQL for the worker's writes and the pages."""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from studies.models import Interview, Role
from studies.tests.factories import MembershipFactory
from transcription import services
from transcription.models import MediaFile, Recording, Transcript
from transcription.results import FLAG_LOW_CONFIDENCE, FLAG_POSSIBLE_HALLUCINATION, Segment
from transcription.services import RecordingPlan, add_recording
from transcription.services.voice_answers import record_voice_answer
from transcription.spoken_language import NO_SPEECH, Heard, heard_in, whole_transcript_language
from transcription.tests import speech
from transcription.tests.conftest import Transcribe
from transcription.tests.jobkit import consented_interview, private_media, upload_bytes
from transcription.tests.voicekit import encode, reader, voice_interview

__all__ = ["private_media"]


def tone(seconds: float = 4.0, hertz: float = 440.0) -> np.ndarray:
    clock = np.arange(int(seconds * speech.RATE)) / speech.RATE
    return (0.3 * np.sin(2 * np.pi * hertz * clock)).astype(np.float32)


def english_then_german() -> np.ndarray:
    """More English than German, in one chunk Whisper base is unsure of (it hears English at about 0.4): a German
    hint used to decode it as German and name the whole transcript German, where no hint named it English."""
    english = speech.synthesize("I talked to it every night.")
    return speech.join(english, speech.synthesize("Das war gut.", voice="de"), gap=0.3)


def worker_transcript(interview: Interview, data: bytes, *, layout: str = "mixed") -> Transcript:
    user = UserFactory()
    upload = upload_bytes(interview, user, data)
    speakers = ["interviewer", interview.participant.code] if layout == "stereo" else []
    recording = add_recording(interview=interview, user=user, plan=RecordingPlan(layout, [upload.pk], speakers))
    assert services.run_transcription_job(job_id=recording.jobs.get().id, worker="w") == "succeeded"
    return Transcript.objects.get(recording=recording)


def segment(flags: tuple[str, ...] = ()) -> Segment:
    return Segment(0.0, 2.0, "Thank you.", "P01", "en", -0.5, 0.1, 1.2, flags=flags)


# --- The rule -------------------------------------------------------------------------------------------------


def test_it_names_the_language_with_the_most_speech_time_summed_over_tracks() -> None:
    heard = [Heard("de", "de", 3.0, 0.9), Heard("en", "en", 2.0, 0.6), Heard("en", "en", 2.5, 0.5)]
    assert whole_transcript_language(heard, "de") == ("en", pytest.approx(0.544, abs=0.001))


def test_a_tie_in_speech_time_goes_to_the_language_whisper_was_surer_of() -> None:
    heard = [Heard("es", "es", 1.2, 0.6), Heard("es", "es", 0.3, 0.6), Heard("pt", "pt", 1.5, 0.7)]
    assert whole_transcript_language(heard, None) == ("pt", 0.7)
    assert whole_transcript_language(heard[::-1], None) == ("pt", 0.7)


def test_text_decoded_in_the_hint_counts_for_the_language_whisper_heard() -> None:
    heard = [Heard("en", "de", 2.0, 0.4), Heard("de", "de", 0.9, 0.8)]
    assert whole_transcript_language(heard, "de")[0] == whole_transcript_language(heard, None)[0] == "en"


def test_the_hint_names_the_language_only_of_speech_without_any_detection() -> None:
    undetected = [Heard("", "en", 2.0, 0.0)]
    assert whole_transcript_language(undetected, "sw") == ("sw", 0.0)
    assert whole_transcript_language(undetected, None) == ("en", 0.0)


def test_without_speech_there_is_no_language_not_even_the_hints() -> None:
    assert whole_transcript_language([], "de") == (NO_SPEECH, 0.0)
    assert heard_in(segment((FLAG_POSSIBLE_HALLUCINATION,)), heard="en", probability=0.9) is None
    assert heard_in(segment((FLAG_LOW_CONFIDENCE,)), heard="en", probability=0.9) == Heard("en", "en", 2.0, 0.9)


# --- The pipeline on real audio -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("make", [lambda: speech.silence(4.0), tone], ids=["silence", "tone"])
def test_silence_and_a_pure_tone_are_no_speech_with_no_segments_and_no_language(
    transcribe_mono: Transcribe, make: object
) -> None:
    result = transcribe_mono(make(), language_hint="de")  # type: ignore[operator]
    assert (result.has_speech, result.segments, result.language) == (False, [], NO_SPEECH)
    assert result.duration == pytest.approx(4.0, abs=0.05)


@pytest.mark.slow
def test_a_short_sentence_still_gets_its_own_language_whatever_the_hint(transcribe_mono: Transcribe) -> None:
    spanish = speech.synthesize("Mi abuela siempre decía que el pan se hace con paciencia.", voice="es")
    result = transcribe_mono(spanish, language_hint="de", expected_speakers=1)
    assert (result.has_speech, result.language) == (True, "es")
    assert result.language_probability > 0.5


@pytest.mark.slow
def test_the_command_prints_no_speech_for_a_tone(engine: object, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("transcribe", str(speech.write_wav(tmp_path / "tone.wav", tone())), stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("# No speech, bundled-base\n")
    assert "# language" not in out.getvalue()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_command_and_the_worker_give_one_file_the_same_language(private_media: Path, tmp_path: Path) -> None:
    data = speech.wav_bytes(english_then_german())
    (tmp_path / "call.wav").write_bytes(data)
    out = io.StringIO()
    call_command("transcribe", str(tmp_path / "call.wav"), "--format", "json", stdout=out, stderr=io.StringIO())
    # The worker hints the participant's language, German; the command has no hint.
    transcript = worker_transcript(consented_interview(language="de"), data)
    assert json.loads(out.getvalue())["language"] == transcript.language == "en"


# --- What the worker saves and what people see ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_voice_answer_of_a_tone_is_saved_as_no_speech_and_every_page_says_so(private_media: Path) -> None:
    interview, (question, _) = voice_interview(language="de")
    data = encode(speech.wav_bytes(tone()))
    saved = record_voice_answer(interview=interview, question=question, read=reader(data).read, length=len(data))
    assert saved.recording is not None
    assert services.run_transcription_job(job_id=saved.recording.jobs.get().id, worker="w") == "succeeded"
    transcript = Transcript.objects.get(recording=saved.recording)
    assert (transcript.has_speech, transcript.language, transcript.language_probability) == (False, "", 0.0)
    assert not transcript.versions.get().segments.exists()
    client = Client()
    client.force_login(MembershipFactory(study=interview.study, role=Role.RESEARCHER).user)
    slug = interview.study.slug
    for url in (
        reverse("review:list", args=[slug]),
        reverse("review:read", args=[slug, transcript.id]),
        reverse("review:editor", args=[slug, transcript.id]),
        reverse("transcription:interview", args=[slug, interview.id]),
    ):
        assert "No speech" in client.get(url).content.decode(), url
    api = f"/api/v1/studies/{slug}/transcripts/"
    assert client.get(api).json()["results"][0]["language"] == ""
    for name in ("json", "txt", "srt", "vtt", "docx", "csv", "csv-excel"):
        assert client.get(f"{api}{transcript.id}/export/?format={name}&raw=true").status_code == 200, name


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_stereo_upload_counts_its_duration_once(private_media: Path) -> None:
    left = speech.join(speech.synthesize("Tell me about your week."), speech.silence(2.5))
    right = speech.join(speech.silence(2.0), speech.synthesize("I went to the office."))
    data = speech.wav_bytes(left, right)
    with wave.open(io.BytesIO(data)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    transcript = worker_transcript(consented_interview(), data, layout="stereo")
    assert Recording.objects.get().tracks.count() == 2
    assert MediaFile.objects.get().duration == pytest.approx(seconds, abs=0.05)
    assert transcript.duration == pytest.approx(seconds, abs=0.05)
    assert (transcript.has_speech, transcript.language) == (True, "en")
