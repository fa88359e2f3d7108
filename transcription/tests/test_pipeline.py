"""The pipeline on real speech: the bundled Whisper base model on espeak-ng voices synthesized here.

espeak-ng is robotic and Whisper base is small, so word error bounds are honest rather than tight.
"""

from __future__ import annotations

import functools
import io
import itertools
from typing import Any

import numpy as np
import pytest

from transcription import pipeline
from transcription.audio import SAMPLE_RATE, Window, iter_windows
from transcription.pipeline import transcribe
from transcription.results import (
    FLAG_LANGUAGE_SWITCH,
    Track,
    TranscriptionCancelled,
    TranscriptionRequest,
    UnreadableMedia,
)
from transcription.tests import speech
from transcription.tests.conftest import Transcribe, word_error_rate

SPOKEN = {
    "en": ("en", "", "The committee met on Tuesday to discuss the new library budget for the children."),
    "es": ("es", "", "Mi abuela siempre decía que el pan se hace con paciencia y con mucho cariño."),
    "de": ("de", "+m3", "Guten Tag. Ich heiße Anna und ich wohne in Berlin. Das Wetter ist heute sehr schön."),
}


@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(SPOKEN))
def test_it_detects_the_spoken_language_and_transcribes_it(transcribe_mono: Transcribe, language: str) -> None:
    voice, variant, text = SPOKEN[language]
    result = transcribe_mono(speech.synthesize(text, voice=voice, variant=variant), expected_speakers=1)

    assert result.language == language
    assert {segment.language for segment in result.segments} == {language}
    assert word_error_rate(text, " ".join(segment.text for segment in result.segments)) <= 0.35


@pytest.mark.slow
def test_segments_carry_times_words_and_decoder_scores(transcribe_mono: Transcribe) -> None:
    audio = speech.join(speech.silence(1.0), speech.synthesize(SPOKEN["en"][2]))
    result = transcribe_mono(audio, expected_speakers=1, speaker_labels=("P01",))

    segment = result.segments[0]
    assert 0.7 <= segment.start < segment.end <= result.duration + 0.01
    assert segment.speaker == "P01"
    assert segment.words
    assert all(segment.start - 0.05 <= w.start <= w.end <= segment.end + 0.05 for w in segment.words)
    assert segment.avg_logprob < 0
    assert 0 <= segment.no_speech_prob <= 1
    assert segment.compression_ratio > 0
    assert result.engine.startswith("faster-whisper")
    assert result.model == "bundled-base"
    assert result.settings["compute_type"] == "int8"


@pytest.mark.slow
def test_a_switch_of_language_mid_recording_is_transcribed_in_each_language(transcribe_mono: Transcribe) -> None:
    english = "I grew up in a small town near the coast, and my family ran a bakery there."
    spanish = SPOKEN["es"][2]
    audio = speech.join(speech.synthesize(english), speech.synthesize(spanish, voice="es"), gap=1.0)

    result = transcribe_mono(audio, expected_speakers=1)

    languages = [segment.language for segment in result.segments]
    assert languages[0] == "en"
    assert languages[-1] == "es"
    assert any(FLAG_LANGUAGE_SWITCH in segment.flags for segment in result.segments)
    spanish_text = " ".join(segment.text for segment in result.segments if segment.language == "es")
    assert word_error_rate(spanish, spanish_text) <= 0.35


@pytest.mark.slow
def test_an_english_translation_is_a_separate_layer(transcribe_mono: Transcribe) -> None:
    result = transcribe_mono(speech.synthesize(SPOKEN["es"][2], voice="es"), translate_to_english=True)

    assert result.language == "es"
    assert word_error_rate(SPOKEN["es"][2], " ".join(s.text for s in result.segments)) <= 0.35
    assert result.translation
    assert all(segment.language == "en" for segment in result.translation)
    english = " ".join(segment.text for segment in result.translation).casefold()
    assert "bread" in english or "patience" in english


@pytest.mark.slow
def test_silence_gives_no_invented_text(transcribe_mono: Transcribe) -> None:
    result = transcribe_mono(speech.silence(8.0))

    assert result.segments == []
    assert result.duration == pytest.approx(8.0, abs=0.1)


@pytest.mark.slow
def test_noise_gives_no_text_or_only_flagged_text(transcribe_mono: Transcribe) -> None:
    result = transcribe_mono(speech.noise(8.0, level=0.05))

    assert all(segment.flags for segment in result.segments if segment.text)


@pytest.mark.slow
def test_progress_rises_to_the_total(engine: object) -> None:
    reports: list[tuple[float, float]] = []
    audio = speech.join(speech.synthesize(SPOKEN["en"][2]), speech.silence(2.0))
    request = TranscriptionRequest(tracks=(speech.track(speech.wav_bytes(audio), speaker="P01"),))

    transcribe(request, on_progress=lambda done, total: reports.append((done, total)))

    assert reports
    assert reports[-1][0] == pytest.approx(reports[-1][1])
    assert reports[-1][1] == pytest.approx(len(audio) / SAMPLE_RATE, abs=0.1)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)


@pytest.mark.slow
def test_windows_decoded_side_by_side_give_what_one_at_a_time_gives(
    engine: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = [speech.synthesize(SPOKEN["en"][2], variant=speech.VOICE_A, pitch=30), speech.synthesize(SPOKEN["en"][2])]
    audio = speech.join(*said, *said, gap=1.5)  # four 5 s sentences: four short windows, two voices
    request = TranscriptionRequest(tracks=(speech.track(speech.wav_bytes(audio)),))
    monkeypatch.setattr(pipeline, "iter_windows", functools.partial(iter_windows, window_s=7.0))
    monkeypatch.setattr(pipeline, "WINDOWS_AT_ONCE", 1)
    one_at_a_time = transcribe(request)
    monkeypatch.setattr(pipeline, "WINDOWS_AT_ONCE", 2)
    reports: list[float] = []
    side_by_side = transcribe(request, on_progress=lambda done, total: reports.append(done))

    assert len({segment.start // 7 for segment in side_by_side.segments}) >= 3
    assert side_by_side.segments == one_at_a_time.segments
    assert reports == sorted(reports)
    assert reports[-1] == pytest.approx(len(audio) / SAMPLE_RATE, abs=0.1)


def test_a_window_that_fails_fails_the_transcription(engine: object, monkeypatch: pytest.MonkeyPatch) -> None:
    audio = speech.join(*[speech.synthesize("Hello there, how are you?")] * 3, gap=1.5)
    request = TranscriptionRequest(tracks=(speech.track(speech.wav_bytes(audio), speaker="P01"),))
    monkeypatch.setattr(pipeline, "iter_windows", functools.partial(iter_windows, window_s=3.0))
    decode = pipeline._transcribe_window

    def second_window_fails(engine: Any, window: Window, *args: Any, **kwargs: Any) -> Any:
        if window.offset > 0:
            raise RuntimeError("the decoder broke")
        return decode(engine, window, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_transcribe_window", second_window_fails)

    with pytest.raises(RuntimeError, match="the decoder broke"):
        transcribe(request)


def test_it_stops_when_told_to(engine: object) -> None:
    request = TranscriptionRequest(tracks=(speech.track(speech.wav_bytes(speech.synthesize("Hello there."))),))

    with pytest.raises(TranscriptionCancelled):
        transcribe(request, should_continue=lambda: False)


@pytest.mark.parametrize(
    "data",
    [b"", b"this is a text file, not a recording" * 50, speech.wav_bytes(speech.silence(1.0))[:30]],
    ids=["empty", "text", "truncated-header"],
)
def test_undecodable_media_raises_a_readable_error(engine: object, data: bytes) -> None:
    with pytest.raises(UnreadableMedia, match=r"could not be decoded|no audio"):
        transcribe(TranscriptionRequest(tracks=(speech.track(data),)))


def test_a_missing_channel_is_unreadable_media(engine: object) -> None:
    data = speech.wav_bytes(speech.silence(1.0))
    with pytest.raises(UnreadableMedia, match="channel 2 is missing"):
        transcribe(TranscriptionRequest(tracks=(speech.track(data, speaker="P01", channel=1),)))


def test_long_audio_is_decoded_in_windows_cut_at_silence() -> None:
    tone = (np.sin(np.arange(SAMPLE_RATE * 7) / 5) * 0.3).astype(np.float32)
    audio = speech.join(tone, tone, tone, gap=1.0)  # 7 s of sound, 1 s gaps: cuts belong in the gaps
    track = Track(open=lambda: io.BytesIO(speech.wav_bytes(audio)))

    windows = list(iter_windows(track, window_s=10.0))

    assert len(windows) == 3
    assert sum(len(window.audio) for window in windows) == pytest.approx(len(audio), abs=SAMPLE_RATE // 100)
    for window, following in itertools.pairwise(windows):
        assert following.offset == pytest.approx(window.offset + window.duration)
        assert np.max(np.abs(window.audio[-SAMPLE_RATE // 20 :])) < 0.01  # each cut falls in a quiet gap
