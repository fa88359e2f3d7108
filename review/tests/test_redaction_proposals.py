"""The redaction pass finds what identifies people, in several scripts and formats, and little else."""

from __future__ import annotations

import pytest

from review.redaction import (
    Kind,
    ParticipantIdentifiers,
    Proposal,
    Source,
    StudyEntity,
    merge_overlapping,
    propose_redactions,
)
from transcription.results import Segment

MARIA = ParticipantIdentifiers(
    given_name="María",
    family_name="García",
    emails=("maria.garcia@example.org",),
    phones=("020 7946 0958",),
    city="Leeds",
    employer="Acme Foods",
    phone_region="GB",
)


def segment(text: str, start: float = 0.0) -> Segment:
    return Segment(start, start + 2.0, text, "Participant", "en", -0.2, 0.01, 1.2)


def propose(*texts: str, **kwargs: object) -> list[Proposal]:
    return propose_redactions([segment(text) for text in texts], **kwargs)  # type: ignore[arg-type]


def spans(proposals: list[Proposal]) -> list[tuple[str, Kind]]:
    return [(p.text, p.kind) for p in proposals]


def test_it_finds_the_participants_own_name_in_any_case_and_without_accents() -> None:
    proposals = propose("Hello, I'm maria garcia. Everyone calls me MARIA; García is my dad's name.", participant=MARIA)

    assert spans(proposals) == [("maria garcia", Kind.NAME), ("MARIA", Kind.NAME), ("García", Kind.NAME)]
    assert proposals[0].reason == "the participant's own name"
    assert {p.key for p in proposals} == {"maria garcia"}


def test_a_full_name_alone_on_record_still_finds_the_given_and_family_name() -> None:
    person = ParticipantIdentifiers(full_name="Ana María López")

    assert spans(propose("Ana said López was right, Ana María López.", participant=person)) == [
        ("Ana", Kind.NAME),
        ("López", Kind.NAME),
        ("Ana María López", Kind.NAME),
    ]


def test_it_matches_whole_words_only() -> None:
    # Known identifiers only: the entity finder rightly proposes "Mariana", a given name, on its own.
    assert propose("Mariana and Garciaville are not her.", participant=MARIA, find_entities=False) == []


def test_it_finds_the_participants_own_email_and_says_so() -> None:
    (proposal,) = propose("Write to Maria.Garcia@example.org any time.", participant=MARIA)

    assert (proposal.text, proposal.kind) == ("Maria.Garcia@example.org", Kind.EMAIL)
    assert proposal.reason == "the participant's own email address"
    assert proposal.confidence > 0.95


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at ana.b@mail.co.uk tomorrow", ("ana.b@mail.co.uk", "ana.b@mail.co.uk")),
        ("it's ana dot b at mail dot co dot uk", ("ana dot b at mail dot co dot uk", "ana.b@mail.co.uk")),
        ("ana (at) mail (dot) com, that one", ("ana (at) mail (dot) com", "ana@mail.com")),
        ("ana [at] mail [dot] com", ("ana [at] mail [dot] com", "ana@mail.com")),
        ("escríbeme a ana arroba correo punto es", ("ana arroba correo punto es", "ana@correo.es")),
        ("Kontakt: jürgen.müller@beispiel.de.", ("jürgen.müller@beispiel.de", "jürgen.müller@beispiel.de")),
    ],
)
def test_it_finds_email_addresses_written_or_read_out(text: str, expected: tuple[str, str]) -> None:
    (proposal,) = propose(text)

    assert proposal.kind == Kind.EMAIL
    assert (proposal.text, proposal.key) == expected


@pytest.mark.parametrize(
    ("text", "number", "e164"),
    [
        ("ring me on 020 7946 0958 after six", "020 7946 0958", "+442079460958"),
        ("my mobile is +44 20 7946 0958.", "+44 20 7946 0958", "+442079460958"),
        ("the office is (212) 555-0182", "(212) 555-0182", "+12125550182"),
        ("US cell +1 415-555-2671 ok", "+1 415-555-2671", "+14155552671"),
        ("mi móvil es +34 612 34 56 78", "+34 612 34 56 78", "+34612345678"),
        ("मेरा नंबर ०९८७६५४३२१० है", "०९८७६५४३२१०", "+919876543210"),
        ("رقمي +٩٦٦٥٠١٢٣٤٥٦٧ شكرا", "+٩٦٦٥٠١٢٣٤٥٦٧", "+966501234567"),
    ],
)
def test_it_finds_phone_numbers_in_national_and_international_formats(text: str, number: str, e164: str) -> None:
    (proposal,) = propose(text)

    assert (proposal.text, proposal.kind, proposal.key) == (number, Kind.PHONE, e164)


def test_it_recognises_the_participants_own_number_in_another_format() -> None:
    (proposal,) = propose("call +44 (0)20 7946 0958", participant=MARIA)

    assert proposal.reason == "the participant's own phone number"


def test_it_recognises_the_participants_own_number_recorded_without_a_region() -> None:
    person = ParticipantIdentifiers(phones=("(212) 555-0182",))
    (proposal,) = propose("it's +1 212 555 0182", participant=person)

    assert proposal.reason == "the participant's own phone number"


def test_it_finds_urls_handles_addresses_ids_and_dates_of_birth() -> None:
    proposals = propose(
        "See https://example.com/me and www.my-blog.net, or @maria_g90.",
        "I live at 12 Baker Street, NW1 6XE; then 3 rue de la Paix, Calle Mayor 5 and Hauptstraße 12.",
        "My NHS number is 485 777 3456, passport AB1234567, NI AB 12 34 56 C.",
        "I was born on 3 May 1990. DOB: 03/05/1990. Nací el 3 de mayo de 1990.",
    )

    assert spans(proposals) == [
        ("https://example.com/me", Kind.URL),
        ("www.my-blog.net", Kind.URL),
        ("@maria_g90", Kind.HANDLE),
        ("12 Baker Street", Kind.ADDRESS),
        ("NW1 6XE", Kind.ADDRESS),
        ("3 rue de la Paix", Kind.ADDRESS),
        ("Calle Mayor 5", Kind.ADDRESS),
        ("Hauptstraße 12", Kind.ADDRESS),
        ("485 777 3456", Kind.ID_NUMBER),
        ("AB1234567", Kind.ID_NUMBER),
        ("AB 12 34 56 C", Kind.ID_NUMBER),
        ("3 May 1990", Kind.DATE_OF_BIRTH),
        ("03/05/1990", Kind.DATE_OF_BIRTH),
        ("3 de mayo de 1990", Kind.DATE_OF_BIRTH),
    ]


def test_it_finds_people_and_places_from_the_study_list_with_their_aliases() -> None:
    entities = [
        StudyEntity(Kind.NAME, "Priya Sharma", aliases=("प्रिया शर्मा",)),
        StudyEntity(Kind.PLACE, "Riverside Clinic"),
    ]
    proposals = propose("Dr Sharma at riverside clinic", "प्रिया शर्मा ने कहा", study_entities=entities)

    assert spans(proposals) == [("Sharma", Kind.NAME), ("riverside clinic", Kind.PLACE), ("प्रिया शर्मा", Kind.NAME)]
    assert proposals[0].key == proposals[2].key == "priya sharma"


def test_a_given_name_shared_by_two_listed_people_is_not_proposed_alone() -> None:
    entities = [StudyEntity(Kind.NAME, "Sam Okafor"), StudyEntity(Kind.NAME, "Sam Lee")]

    # The study list's rule only: the entity finder would propose "Sam" as a given name.
    found = propose("Sam said that Okafor and Sam Lee agreed.", study_entities=entities, find_entities=False)
    assert spans(found) == [
        ("Okafor", Kind.NAME),
        ("Sam Lee", Kind.NAME),
    ]


def test_dates_of_birth_are_found_in_hindi_and_arabic() -> None:
    arabic_date = "\u0661\u0665/\u0660\u0668/\u0661\u0669\u0668\u0665"  # 15/08/1985 in Arabic-Indic digits
    proposals = propose("मेरी जन्मतिथि 03/05/1990 है", f"تاريخ الميلاد {arabic_date}")

    assert spans(proposals) == [("03/05/1990", Kind.DATE_OF_BIRTH), (arabic_date, Kind.DATE_OF_BIRTH)]


def test_it_finds_identifiers_given_in_devanagari_and_arabic_script() -> None:
    person = ParticipantIdentifiers(full_name="राहुल वर्मा", other_names=("مُحَمَّد علي",), city="लखनऊ")
    proposals = propose(
        "मेरा नाम राहुल वर्मा है और मैं लखनऊ में रहता हूँ।",
        "وقال محمد علي إنه يستخدم التطبيق كل يوم",
        participant=person,
    )

    assert spans(proposals) == [("राहुल वर्मा", Kind.NAME), ("लखनऊ", Kind.PLACE), ("محمد علي", Kind.NAME)]


def test_it_leaves_an_arabic_conjunction_outside_the_name() -> None:
    person = ParticipantIdentifiers(full_name="محمد علي")
    (proposal,) = propose("قابلت أحمد ومحمد علي أمس", participant=person)

    assert proposal.text == "محمد علي"


def test_a_devanagari_name_does_not_match_inside_a_longer_word() -> None:
    person = ParticipantIdentifiers(given_name="राम")

    assert propose("रामायण की कहानी", participant=person) == []


def test_offsets_are_code_points_even_after_emoji_and_combining_marks() -> None:
    # 👩🏽‍⚕️ is five code points (seven UTF-16 units); "é" is written as e + U+0301: "María" starts at 14.
    text = "👩🏽‍⚕️ cafe\u0301 — María, maria.garcia@example.org"
    proposals = propose(text, participant=MARIA)

    for proposal in proposals:
        assert text[proposal.start : proposal.end] == proposal.text
    assert [p.start for p in proposals] == [text.index("María"), text.index("maria.garcia")]
    assert proposals[0].start == 14


def test_overlapping_finds_become_one_proposal_of_the_widest_kind() -> None:
    (proposal,) = propose("email maria.garcia@example.org", participant=MARIA)

    assert proposal.kind == Kind.EMAIL
    assert proposal.text == "maria.garcia@example.org"


def test_partly_overlapping_finds_merge_into_their_union_with_both_reasons() -> None:
    text = "see Ana Mora Street 5"
    name = Proposal(0, 4, 12, "Ana Mora", Kind.NAME, "a person on the study's list", 0.9, "ana mora", Source.STUDY_LIST)
    street = Proposal(0, 8, 21, "Mora Street 5", Kind.ADDRESS, "looks like a street address", 0.8, "mora street 5")

    (merged,) = merge_overlapping([street, name])

    assert (merged.start, merged.end, merged.text) == (4, 21, text[4:21])
    assert merged.kind == Kind.ADDRESS
    assert merged.reason == "looks like a street address; a person on the study's list"
    assert merged.confidence == 0.9


def test_a_lower_case_single_name_is_proposed_with_low_confidence() -> None:
    person = ParticipantIdentifiers(given_name="Hope", family_name="Adams")
    (proposal,) = propose("I hope the app helps", participant=person)

    assert proposal.confidence <= 0.5
    assert "ordinary word" in proposal.reason


def test_long_unbroken_strings_are_read_in_linear_time() -> None:
    # Before the patterns were anchored, "a_a_a_..." backtracked exponentially and this never returned.
    assert propose("a_" * 20_000, "a" * 50_000, "x." * 20_000 + "@", participant=MARIA) == []


def test_it_does_not_crash_on_empty_or_odd_text() -> None:
    assert propose("", " ", "\u200f\u202b", "🙂🙂🙂", "0" * 400, participant=MARIA)[0].kind == Kind.ID_NUMBER


ORDINARY_SENTENCES = [
    "I talked to the chatbot at 3 am when I felt anxious, maybe 2 or 3 times a week.",
    "In 2019 and 2020 I had panic attacks almost every day.",
    "My PHQ-9 score went from 18 to 7 in about 12 weeks of therapy.",
    "I was on 50 mg of sertraline for 6 months, then 100 mg.",
    "The waiting list was 18 weeks, so I looked at apps instead.",
    "I rated my mood 7 out of 10 on the app each evening at 9:30 pm.",
    "It felt like the bot was listening, but it kept saying 'I hear you'.",
    "My therapist said CBT works for about 50-60% of people with depression.",
    "Sometimes I'd chat for 45 minutes, from 11:15 to 12:00.",
    "I used ChatGPT and Woebot, and the NHS app, during lockdown.",
    "At school we had a counsellor, but I only went 2 times in Year 10.",
    "I was looking at the screen and felt alone at home.",
    "On a scale of 1 to 5 I'd say the chatbot was a 3.",
    "I stayed at my mum's for 2 weeks in March 2021.",
    "The GAD-7 questionnaire has 7 questions; I scored 15 at the start.",
    "Being honest with a machine is easier than with a person, at least for me.",
    "I lost about 10 kg and slept 4 or 5 hours a night.",
    "Street noise at night made it worse, and the road outside was busy.",
    "Between 2018-2020 I saw 3 different psychiatrists.",
    "It said: breathe in for 4, hold for 7, out for 8.",
    "I called 111 at 2 am and they told me to go to A&E.",
    "On 12/03 I relapsed and stayed in bed for 3 days.",
    "I spent £2,500 on therapy over 18 months, about £60 a session.",
    "Version 4.0 of the app added mood tracking; GPT-4 and Claude 3.5 felt more human.",
    "I was born this way, I guess, anxious from the start.",
    "My daughter was born in 2015 and that's when the depression started.",
    "We met at Starbucks on the High Street; it was quiet.",
    "There were 1,200 people on the waiting list at one point.",
    "I think around 2000 or 2001 my dad got ill, I was 12.",
    "I paid 49.99 for the annual subscription and cancelled after 3 months.",
    "My counsellor at uni was great, room 204 in Building 3.",
    "I was looking at my phone at 3:45 in the morning, I'd rate it 10/10.",
    "We spent April 2020 locked down in a 2 bed flat.",
    "She's at openai dot com now, building chatbots; I was looking at their site all night.",
]


def test_ordinary_sentences_about_mental_health_and_chatbots_raise_no_proposals() -> None:
    person = ParticipantIdentifiers(given_name="Rosa", family_name="Patel", emails=("rosa@example.org",))

    assert propose(*ORDINARY_SENTENCES, participant=person) == []
