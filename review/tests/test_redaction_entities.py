"""The named-entity finder proposes the people, places and organisations an interview names, with no participant
records, in English, Spanish and Hindi; it keeps chatbots and countries, and loads its models once, offline.

The analyzer is a module-level singleton: the first test that needs it loads it (a few seconds), the rest reuse it.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from review.redaction import Kind, ParticipantIdentifiers, Proposal, Source, StudyEntity, propose_redactions
from review.redaction import entities as entities_module
from review.redaction.entities import engine_language
from review.redaction.keep import DEFAULT_KEEP_TERMS, KeepList
from transcription.results import Segment


def propose(*texts: str, **kwargs: object) -> list[Proposal]:
    segments = [Segment(0.0, 2.0, text, "Participant", "en", -0.2, 0.01, 1.2) for text in texts]
    return propose_redactions(segments, **kwargs)  # type: ignore[arg-type]


def found(*texts: str, **kwargs: object) -> set[tuple[str, Kind]]:
    return {(p.text, p.kind) for p in propose(*texts, **kwargs)}


ISSUE_SENTENCES = (
    "Hi, my name is Layla Haddad and I grew up in Beirut.",
    "After university I moved to Lagos for work.",
    "My sister Amina was the one who told me to try it.",
    "My therapist, Dr. Okafor, said that was fine.",
    "I worked at Barclays for two years before the burnout.",
    "Now I go to the Serenity Clinic on Fridays.",
    "I studied at the University of Ibadan.",
)


def test_it_finds_the_names_places_employers_and_clinics_the_issue_says_were_missed() -> None:
    assert found(*ISSUE_SENTENCES, language="en") == {
        ("Layla Haddad", Kind.NAME),
        ("Beirut", Kind.PLACE),
        ("Lagos", Kind.PLACE),
        ("Amina", Kind.NAME),
        ("Okafor", Kind.NAME),
        ("Barclays", Kind.ORGANISATION),
        ("Serenity Clinic", Kind.ORGANISATION),
        ("University of Ibadan", Kind.ORGANISATION),
    }


def test_its_proposals_come_from_the_entity_finder_with_a_reason_and_no_personal_data_in_it() -> None:
    proposals = propose(*ISSUE_SENTENCES, language="en")

    assert {p.source for p in proposals} == {Source.ENTITY}
    assert all(p.reason and p.text not in p.reason for p in proposals)
    assert next(p for p in proposals if p.text == "Layla Haddad").key == "layla haddad"


def test_it_finds_the_spanish_equivalents() -> None:
    assert found(
        "Me llamo Lucía Fernández y vivo en Sevilla.",
        "Mi hermana Carmen trabaja en el Hospital Clínic de Barcelona.",
        "Mi terapeuta, la Dra. Gómez, me ayudó mucho.",
        "Trabajé para Telefónica tres años.",
        language="es",
    ) == {
        ("Lucía Fernández", Kind.NAME),
        ("Sevilla", Kind.PLACE),
        ("Carmen", Kind.NAME),
        ("Hospital Clínic de Barcelona", Kind.ORGANISATION),
        ("Gómez", Kind.NAME),
        ("Telefónica", Kind.ORGANISATION),
    }


def test_the_spanish_model_loads_on_this_spacy_and_finds_a_name_no_list_or_cue_knows() -> None:
    # "Xochitl" is in no name list and "con" is no cue: only the statistical pipeline can find her.
    proposals = propose("Ayer hablé con Xochitl Quispe sobre el trabajo.", language="es")

    assert [(p.text, p.kind, p.reason) for p in proposals] == [
        ("Xochitl Quispe", Kind.NAME, "a name the language model recognised")
    ]


def test_it_finds_names_cities_and_hospitals_in_hindi() -> None:
    assert found(
        "मेरा नाम प्रिया शर्मा है और मैं मुंबई में रहती हूँ।",
        "मेरी बहन अनीता अपोलो अस्पताल में काम करती है।",
        language="hi",
    ) == {
        ("प्रिया शर्मा", Kind.NAME),
        ("मुंबई", Kind.PLACE),
        ("अनीता", Kind.NAME),
        ("अपोलो अस्पताल", Kind.ORGANISATION),
    }


def test_ordinary_words_that_are_also_names_or_towns_are_not_proposed_at_the_start_of_a_sentence() -> None:
    assert propose("Hope you are well. Will you call me?", "Reading helped me a lot.", language="en") == []


def test_chatbots_products_and_countries_are_kept_by_default() -> None:
    sentences = (
        "I talked to Claude and Gemini about it, and to ChatGPT at night.",
        "Replika and Pi felt warmer than Woebot or Wysa.",
        "I'm from Nigeria, and my friends in Mexico use Character.AI.",
    )

    assert propose(*sentences, language="en") == []
    assert {"ChatGPT", "Replika", "Pi", "Claude", "Gemini", "Woebot", "Wysa", "Character.AI"} <= set(DEFAULT_KEEP_TERMS)


def test_a_study_can_remove_a_word_from_the_keep_list_or_add_one() -> None:
    text = "I'm from Nigeria, I talked to Claude, and later I moved to Lagos."
    without_claude = [term for term in DEFAULT_KEEP_TERMS if term != "Claude"]

    assert found(text, language="en") == {("Lagos", Kind.PLACE)}
    assert found(text, language="en", keep_terms=without_claude) == {("Claude", Kind.NAME), ("Lagos", Kind.PLACE)}
    assert found(text, language="en", keep_terms=[*DEFAULT_KEEP_TERMS, "Lagos"]) == set()
    assert ("Nigeria", Kind.PLACE) in found(text, language="en", keep_countries=False)


def test_the_keep_list_ignores_case_and_accents_and_keeps_only_whole_finds() -> None:
    keep = KeepList.build(["chatgpt", "Mexico"], keep_countries=False)

    assert keep.keeps("ChatGPT")
    assert keep.keeps("México")
    assert keep.keeps("ChatGPT Mexico")
    assert not keep.keeps("ChatGPT Haddad")
    assert not keep.keeps("")


def test_entity_finds_merge_with_known_identifiers_and_patterns_without_overlaps() -> None:
    person = ParticipantIdentifiers(full_name="Layla Haddad", emails=("layla.haddad@example.org",))
    study = [StudyEntity(Kind.ORGANISATION, "Serenity Clinic")]
    proposals = propose(
        "My name is Layla Haddad, write to layla.haddad@example.org.",
        "Now I go to the Serenity Clinic on Fridays, near my sister Amina.",
        participant=person,
        study_entities=study,
        language="en",
    )

    assert [(p.segment, p.text, p.kind, p.source) for p in proposals] == [
        (0, "Layla Haddad", Kind.NAME, Source.PARTICIPANT),
        (0, "layla.haddad@example.org", Kind.EMAIL, Source.PARTICIPANT),
        (1, "Serenity Clinic", Kind.ORGANISATION, Source.STUDY_LIST),
        (1, "Amina", Kind.NAME, Source.ENTITY),
    ]
    ends = [(p.segment, p.start, p.end) for p in proposals]
    assert all(a[0] < b[0] or a[2] <= b[1] for a, b in itertools.pairwise(ends))


def test_the_entity_finder_can_be_left_out() -> None:
    assert propose(*ISSUE_SENTENCES, language="en", find_entities=False) == []


def test_languages_without_a_pipeline_share_the_multi_language_one() -> None:
    assert [engine_language(code) for code in ("en", "es-MX", "ES", "hi", "ar", "")] == [
        "en",
        "es",
        "es",
        "xx",
        "xx",
        "xx",
    ]


def test_the_analyzer_is_built_once_per_process() -> None:
    propose("My sister Amina lives in Lagos.", language="en")
    first = entities_module.analyzer()
    propose("Mi hermana Carmen vive en Sevilla.", language="es")

    assert entities_module.analyzer() is first
    assert entities_module.loads == 1


_OFFLINE_PROBE = """
import socket
def refuse(*args, **kwargs):
    raise OSError("network use during de-identification")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from review.redaction.entities import entity_proposals
from review.redaction.keep import KeepList
found = entity_proposals(["Mi hermana Carmen vive en Sevilla."], language="es", keep=KeepList.build())
found += entity_proposals(["My sister Amina moved to Lagos."], language="en", keep=KeepList.build())
print(sorted(p.text for p in found))
"""


def test_it_loads_and_runs_with_the_network_cut_off() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", _OFFLINE_PROBE], capture_output=True, text=True, cwd=root, env=env, timeout=300
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "['Amina', 'Carmen', 'Lagos', 'Sevilla']"


@pytest.mark.parametrize(
    "sentence",
    [
        "I used ChatGPT and Woebot, and the NHS app, during lockdown.",
        "At school we had a counsellor, but I only went 2 times in Year 10.",
        "In March I spoke English with the bot and Spanish with my mum.",
        "GPT-4 and Claude 3.5 felt more human than the NHS website.",
        "I'm Muslim, and during Ramadan I talked to it less.",
    ],
)
def test_ordinary_interview_sentences_raise_no_entity_proposals(sentence: str) -> None:
    assert propose(sentence, language="en") == []


def test_a_lone_capitalised_word_no_list_knows_is_proposed_in_the_middle_of_a_sentence_only() -> None:
    assert found("Zorbelin is kind.", language="en") == set()
    assert found("Yesterday I talked with Zorbelin for hours.", language="en") == {("Zorbelin", Kind.NAME)}


def test_a_name_found_once_is_proposed_wherever_the_transcript_says_it_again() -> None:
    proposals = propose("Yesterday I talked with Zorbelin for hours.", "Zorbelin is kind.", language="en")

    assert [(p.segment, p.text, p.reason) for p in proposals] == [
        (0, "Zorbelin", "a capitalised word in the middle of a sentence"),
        (1, "Zorbelin", "found elsewhere in this transcript"),
    ]


def test_days_faiths_and_businesses_after_at_are_not_taken_for_lone_names() -> None:
    assert propose("I pray with other Muslims on Fridays.", "We met at Starbucks after work.", language="en") == []
