"""The redaction pass over stored transcripts: what it finds, study-wide tags, and the redacted version."""

from __future__ import annotations

import json

import pytest

from accounts.models import User
from review.models import RedactedVersion, RedactionTag
from review.redaction import Kind
from review.services import identifiers, redaction, versions
from review.services.errors import ReviewError
from review.tests.factories import machine_transcript
from studies.models import ContactDetails, Participant, Study
from studies.tests.factories import ParticipantFactory
from transcription.models import Transcript

TEXTS = [
    "My name is María López and I live near the station.",
    "Write to maria.lopez@example.com or to MARIA.LOPEZ at example dot com.",
    "Call me on 07911 123456, or +44 (0)7911-123-456 from abroad.",
    "My therapist is on 020 7946 0018 and her email is Dr.Jones@clinic.example.org.",
    "Nothing personal here.",
]


def person(study: Study, name: str = "María López", email: str = "maria.lopez@example.com") -> Participant:
    participant = ParticipantFactory(study=study)
    ContactDetails.objects.create(participant=participant, name=name, email=email, phone="+44 7911 123456")
    return participant


def found(transcript: Transcript) -> list[tuple[int, str, Kind, str]]:
    latest = versions.latest_version(transcript)
    assert latest is not None
    return [(p.segment, p.text, p.kind, p.reason) for p in redaction.proposals_for(latest)]


def accept_all_and_apply(transcript: Transcript, user: User) -> RedactedVersion:
    latest = versions.latest_version(transcript)
    assert latest is not None
    redaction.accept_undecided(version=latest, user=user)
    redacted = redaction.redact_latest(transcript=transcript, base_number=latest.number, user=user)
    return RedactedVersion.objects.get(version=redacted)


def test_it_finds_the_participants_own_name_and_email_with_reasons(study: Study) -> None:
    transcript = machine_transcript(study, TEXTS, participant=person(study))
    proposals = found(transcript)
    assert (0, "María López", Kind.NAME, "the participant's own name") in proposals
    assert (1, "maria.lopez@example.com", Kind.EMAIL, "the participant's own email address") in proposals
    spoken = [p for p in proposals if p[0] == 1 and p[1].startswith("MARIA.LOPEZ at")]
    assert spoken
    assert spoken[0][2] == Kind.EMAIL


def test_it_finds_phone_numbers_and_emails_in_several_formats(study: Study) -> None:
    transcript = machine_transcript(study, TEXTS, participant=person(study))
    proposals = found(transcript)
    phones = {p[1] for p in proposals if p[2] == Kind.PHONE}
    assert {"07911 123456", "020 7946 0018"} <= phones
    assert any(text.startswith("+44 (0)7911-123-456") for text in phones)
    own = [p for p in proposals if p[1] == "07911 123456"]
    assert own[0][3] == "the participant's own phone number"
    emails = {p[1] for p in proposals if p[2] == Kind.EMAIL}
    assert "Dr.Jones@clinic.example.org" in emails


def test_the_studys_list_finds_other_people_and_places(study: Study, researcher: User) -> None:
    identifiers.add_study_identifier(
        study=study, kind="PLACE", name="Hillside Clinic", aliases="the Hillside", author=researcher
    )
    transcript = machine_transcript(study, ["I went to Hillside Clinic last week.", "Then back to the Hillside."])
    proposals = found(transcript)
    assert [(p[0], p[1], p[2]) for p in proposals] == [
        (0, "Hillside Clinic", Kind.PLACE),
        (1, "the Hillside", Kind.PLACE),
    ]


def test_the_same_name_gets_the_same_tag_in_two_transcripts_of_the_study(study: Study, researcher: User) -> None:
    maria = person(study)
    first = machine_transcript(study, ["I am María López.", "Someone else: Carlos Ruiz."], participant=maria)
    second = machine_transcript(
        study, ["Interviewer: María López joined again.", "maria lópez, yes."], participant=maria
    )
    identifiers.add_study_identifier(study=study, kind="NAME", name="Carlos Ruiz", aliases="", author=researcher)
    one, two = accept_all_and_apply(first, researcher), accept_all_and_apply(second, researcher)
    first_texts = [r["text"] for r in versions.rows_of(one.version)]
    second_texts = [r["text"] for r in versions.rows_of(two.version)]
    assert first_texts == ["I am [NAME-1].", "Someone else: [NAME-2]."]
    assert second_texts == ["Interviewer: [NAME-1] joined again.", "[NAME-1], yes."]
    assert RedactionTag.objects.filter(study=study, kind="NAME").count() == 2
    assert json.loads(one.mapping) == {"[NAME-1]": "María López", "[NAME-2]": "Carlos Ruiz"}
    assert RedactionTag.objects.get(study=study, number=1, kind="NAME").original == "María López"


def test_the_redacted_version_keeps_no_raw_words_and_records_its_source(study: Study, researcher: User) -> None:
    transcript = machine_transcript(study, TEXTS, participant=person(study))
    record = accept_all_and_apply(transcript, researcher)
    rows = versions.rows_of(record.version)
    assert record.source.number == 1
    assert record.version.number == 2
    assert "López" not in " ".join(r["text"] for r in rows)
    assert "example.com" not in rows[1]["text"]
    assert rows[0]["words"] == []
    assert rows[4]["words"]
    assert record.version.translation is None
    assert all("López" not in json.dumps(r) for r in record.replacements)


def test_applying_waits_for_a_decision_on_every_proposal(study: Study, researcher: User) -> None:
    transcript = machine_transcript(study, TEXTS, participant=person(study))
    with pytest.raises(ReviewError, match="wait for a decision"):
        redaction.redact_latest(transcript=transcript, base_number=1, user=researcher)
    assert transcript.versions.count() == 1


def test_rejected_proposals_stay_and_hand_marked_spans_are_replaced(study: Study, researcher: User) -> None:
    transcript = machine_transcript(study, ["I live near the station.", "Call me on 07911 123456."])
    version = transcript.versions.get()
    items = redaction.review_items(version)
    redaction.decide(version=version, decisions={items[0].key: "rejected"}, user=researcher)
    redaction.mark_span(version=version, segment=0, phrase="the station", kind="PLACE", user=researcher)
    redacted = redaction.redact_latest(transcript=transcript, base_number=1, user=researcher)
    assert [r["text"] for r in versions.rows_of(redacted)] == ["I live near [PLACE-1].", "Call me on 07911 123456."]


def test_marking_words_that_are_not_there_is_refused(study: Study, researcher: User) -> None:
    transcript = machine_transcript(study, ["I live near the station."])
    with pytest.raises(ReviewError, match="not in segment 1"):
        redaction.mark_span(
            version=transcript.versions.get(), segment=0, phrase="the harbour", kind="PLACE", user=researcher
        )


def test_screening_answers_add_the_participants_city_and_the_country_reads_local_numbers(study: Study) -> None:
    from coding.tests.factories import screen

    participant = person(study)
    response = screen(participant, {"country": "ES"})
    response.answers = {"city": "Zaragoza", "nickname": "Mari"}
    response.save()
    known = identifiers.participant_identifiers(participant)
    assert (known.city, known.other_names, known.phone_region) == ("Zaragoza", ("Mari",), "ES")
    transcript = machine_transcript(study, ["Mari from Zaragoza, call 612 34 56 78."], participant=participant)
    kinds = {(p[1], p[2]) for p in found(transcript)}
    assert {("Mari", Kind.NAME), ("Zaragoza", Kind.PLACE), ("612 34 56 78", Kind.PHONE)} <= kinds


def test_each_replacement_records_when_it_was_said_from_word_timings(study: Study, researcher: User) -> None:
    transcript = machine_transcript(study, ["Call me on 07911 123456 please.", "Nothing here."])
    record = accept_all_and_apply(transcript, researcher)
    words = versions.rows_of(transcript.versions.get(number=1))[0]["words"]
    assert record.replacements == [
        {
            "segment": 0,
            "start": 11,
            "end": 23,
            "tag": "[PHONE-1]",
            "time_start": words[3]["start"],
            "time_end": words[4]["end"],
        }
    ]
