"""Hallucination guards on text alone: loops, phantom phrases and Whisper's thresholds."""

from __future__ import annotations

import pytest

from transcription.guards import has_repetition_loop, is_phantom_phrase, segment_flags
from transcription.results import FLAG_LOW_CONFIDENCE, FLAG_POSSIBLE_HALLUCINATION, FLAG_REPETITION_LOOP

SOUND = {"avg_logprob": -0.2, "no_speech_prob": 0.05, "compression_ratio": 1.4}


@pytest.mark.parametrize(
    "text",
    [
        "and then we went home and then we went home and then we went home and then we went home",
        "I mean, I mean, I mean, I mean, I mean.",
        "yes yes yes yes yes yes yes",
        "Gracias. Gracias. Gracias. Gracias. Gracias. Gracias.",
        "谢谢谢谢谢谢谢谢谢谢谢谢谢谢谢谢",
    ],
)
def test_it_finds_a_phrase_repeated_back_to_back(text: str) -> None:
    assert has_repetition_loop(text)


@pytest.mark.parametrize(
    "text",
    [
        "No, no, no, that is not what I meant.",
        "It was very, very, very hard for us.",
        "We went home. Then we went to the shop, and then we went home again.",
        "Ich habe das gesagt, und du hast das gesagt, und sie hat das gesagt.",
        "1000000 people",
        "",
    ],
)
def test_it_leaves_ordinary_repetition_in_speech_alone(text: str) -> None:
    assert not has_repetition_loop(text)


def test_it_recognises_subtitle_credits_whisper_invents_on_silence() -> None:
    assert is_phantom_phrase("Thanks for watching!")
    assert is_phantom_phrase("Subtítulos realizados por la comunidad de Amara.org")
    assert not is_phantom_phrase("Thanks for coming in today.")


def test_a_sound_segment_gets_no_flags() -> None:
    assert segment_flags(text="I work as a nurse.", **SOUND) == ()


def test_a_segment_below_the_log_probability_threshold_is_low_confidence() -> None:
    flags = segment_flags(text="I work as a nurse.", **{**SOUND, "avg_logprob": -1.3})
    assert flags == (FLAG_LOW_CONFIDENCE,)


def test_text_over_probable_silence_is_a_possible_hallucination() -> None:
    flags = segment_flags(text="I work as a nurse.", avg_logprob=-1.2, no_speech_prob=0.9, compression_ratio=1.2)
    assert FLAG_POSSIBLE_HALLUCINATION in flags


def test_highly_compressible_text_is_a_possible_hallucination() -> None:
    assert FLAG_POSSIBLE_HALLUCINATION in segment_flags(text="la la la", **{**SOUND, "compression_ratio": 3.1})


def test_a_loop_is_flagged_as_a_repetition_loop() -> None:
    flags = segment_flags(text="so so so so so so so so", **SOUND)
    assert FLAG_REPETITION_LOOP in flags
