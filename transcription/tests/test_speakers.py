"""Speakers per word in a mono mix: turns inside one Whisper segment, backchannels, and the command's JSON."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from transcription import diarization, speakers
from transcription.results import FLAG_LOW_CONFIDENCE, Segment, Word
from transcription.tests import speech
from transcription.tests.conftest import Transcribe, normalised

STATEMENT = "I never told anyone at work about the chatbot, and my manager never asked me about it"
REPLY = "Neither did I, I kept it to myself."
BEFORE = "I started using it when I could not sleep at night"
AFTER = "and it helped me find words for what I felt."


def _trimmed(audio: np.ndarray) -> np.ndarray:
    """espeak-ng pads its speech with silence; people answering each other leave far less."""
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return audio[loud[0] : loud[-1] + 1]


def _first(text: str) -> np.ndarray:
    return _trimmed(speech.synthesize(text, variant=speech.VOICE_A, pitch=30))


def _second(text: str) -> np.ndarray:
    return _trimmed(speech.synthesize(text, variant=speech.VOICE_B, pitch=80))


def _words(segments: list[Segment]) -> list[tuple[str, str]]:
    return [(normalised(word.text), word.speaker) for segment in segments for word in segment.words]


@pytest.mark.slow
def test_it_splits_a_segment_where_the_speaker_changes_inside_it(transcribe_mono: Transcribe) -> None:
    audio = speech.join(_first(STATEMENT), _second(REPLY), gap=0.1)
    heard_as_one = transcribe_mono(audio, expected_speakers=1).segments
    # The turn falls inside one Whisper segment: per-segment speakers could not place it.
    assert len(heard_as_one) == 1
    assert "neither" in normalised(heard_as_one[0].text)

    result = transcribe_mono(audio, speaker_labels=("INT", "P07"))

    words = _words(result.segments)
    turn = next(index for index, (text, _) in enumerate(words) if text == "neither")
    assert {speaker for _, speaker in words[:turn]} == {"INT"}
    assert {speaker for _, speaker in words[turn:]} == {"P07"}
    assert [segment.speaker for segment in result.segments] == ["INT", "P07"]
    first, second = result.segments
    assert normalised(second.text) == normalised(REPLY)
    assert first.text + " " + second.text == heard_as_one[0].text
    assert second.start == second.words[0].start
    assert first.end == first.words[-1].end <= second.start
    assert first.language == second.language == heard_as_one[0].language


@pytest.mark.slow
def test_a_backchannel_stays_with_the_person_who_said_it(transcribe_mono: Transcribe) -> None:
    audio = speech.join(_first(BEFORE), _second("Yes."), _first(AFTER), gap=0.35)

    result = transcribe_mono(audio)

    said = _words(result.segments)
    assert ("yes", "SPEAKER_2") in said
    assert {speaker for text, speaker in said if text != "yes"} == {"SPEAKER_1"}
    assert [s.text for s in result.segments if s.speaker == "SPEAKER_2"] == ["Yes."]


@pytest.mark.slow
def test_the_json_command_gives_every_word_its_speaker(engine: object, tmp_path: Path) -> None:
    recording = speech.write_wav(tmp_path / "exchange.wav", speech.join(_first(STATEMENT), _second(REPLY), gap=0.1))
    out = io.StringIO()

    call_command("transcribe", str(recording), "--format", "json", stdout=out, stderr=io.StringIO())

    words = [word for segment in json.loads(out.getvalue())["segments"] for word in segment["words"]]
    assert words
    assert {word["speaker"] for word in words} == {"SPEAKER_1", "SPEAKER_2"}
    assert [w["speaker"] for w in words if normalised(w["text"]) in {"myself", "neither"}] == ["SPEAKER_2"] * 2


def _segment(words: tuple[Word, ...], text: str) -> Segment:
    return Segment(
        start=0.0,
        end=3.0,
        text=text,
        speaker="",
        language="es",
        avg_logprob=-0.4,
        no_speech_prob=0.1,
        compression_ratio=1.2,
        words=words,
        flags=(FLAG_LOW_CONFIDENCE,),
    )


def test_a_split_keeps_the_text_as_spelled_and_the_segments_scores_flags_and_language() -> None:
    words = (
        Word(0.1, 0.5, "¿Vienes", 0.9, "A"),
        Word(0.5, 0.9, "mañana?", 0.9, "A"),
        Word(1.2, 1.5, "Sí,", 0.8, "B"),
        Word(1.5, 2.0, "claro.", 0.8, "B"),
    )

    first, second = speakers.split_at_speaker_changes(_segment(words, "¿Vienes  mañana? Sí, claro."))

    assert (first.text, first.speaker, first.start, first.end) == ("¿Vienes  mañana?", "A", 0.0, 0.9)
    assert (second.text, second.speaker, second.start, second.end) == ("Sí, claro.", "B", 1.2, 3.0)
    assert first.words == words[:2]
    assert second.words == words[2:]
    assert {(s.language, s.avg_logprob, s.flags) for s in (first, second)} == {("es", -0.4, (FLAG_LOW_CONFIDENCE,))}


def test_one_voice_throughout_leaves_the_segment_whole() -> None:
    words = (Word(0.1, 0.5, "Hola", 0.9, "A"), Word(0.6, 1.0, "otra vez.", 0.9, "A"))
    whole = _segment(words, "Hola otra vez.")

    assert speakers.split_at_speaker_changes(whole) == [replace(whole, speaker="A")]


def _unit(start: float, end: float) -> speakers._Unit:
    return speakers._Unit(0, None, start, end)


def test_a_weak_change_of_voice_inside_running_speech_is_smoothed_away_but_not_across_a_pause() -> None:
    scores = np.array([[0.8, 0.6], [0.7, 0.75], [0.8, 0.6], [0.6, 0.8]], dtype=np.float32)
    running = [_unit(0.0, 0.3), _unit(0.3, 0.6), _unit(0.6, 0.9), _unit(0.9, 1.2)]
    paused = [_unit(0.0, 0.3), _unit(0.6, 0.9), _unit(1.2, 1.5), _unit(2.0, 2.3)]

    assert speakers._smooth(scores, running) == [0, 0, 0, 0]
    assert speakers._smooth(scores, paused) == [0, 1, 0, 1]


def test_two_clusters_of_one_voice_are_merged_into_one() -> None:
    rng = np.random.default_rng(4)
    voice, other = rng.standard_normal(256), rng.standard_normal(256)
    one = np.stack([voice + rng.standard_normal(256) * 0.2 for _ in range(40)])
    two = np.concatenate([one, np.stack([other + rng.standard_normal(256) * 0.2 for _ in range(40)])])

    assert len(diarization.voice_centroids(diarization._normed(one), 2)) == 1
    assert len(diarization.voice_centroids(diarization._normed(two), 2)) == 2


def test_a_translated_segment_gives_its_speaker_to_each_of_its_words() -> None:
    words = (Word(0.1, 0.5, "Hello", 0.9), Word(0.6, 1.0, "again.", 0.9))

    translated = speakers.spoken_by(_segment(words, "Hello again."), "P07")

    assert [word.speaker for word in translated.words] == ["P07", "P07"]
    assert translated.speaker == "P07"
