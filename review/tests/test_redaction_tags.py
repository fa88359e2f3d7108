"""Consistent study-wide tags, and applying accepted proposals without touching the input."""

from __future__ import annotations

import pytest

from review.redaction import (
    InMemoryTagRegistry,
    Kind,
    ParticipantIdentifiers,
    ProposalMismatch,
    StudyEntity,
    apply_redactions,
    manual_proposal,
    propose_redactions,
)
from transcription.results import Segment


def segments(*texts: str) -> list[Segment]:
    return [Segment(i * 2.0, i * 2.0 + 2, text, "P", "en", -0.2, 0.01, 1.2) for i, text in enumerate(texts)]


def redact(texts: tuple[str, ...], registry: InMemoryTagRegistry, **kwargs: object) -> tuple[str, ...]:
    proposals = propose_redactions(segments(*texts), **kwargs)  # type: ignore[arg-type]
    return apply_redactions(texts, proposals, registry).texts


STUDY_LIST = [
    StudyEntity(Kind.NAME, "Priya Sharma"),
    StudyEntity(Kind.NAME, "Tom Jones"),
    StudyEntity(Kind.PLACE, "Leeds"),
]


def test_the_same_name_gets_the_same_tag_in_two_transcripts_of_a_study() -> None:
    registry = InMemoryTagRegistry()

    first = redact(("Tom Jones told me about it in Leeds.",), registry, study_entities=STUDY_LIST)
    second = redact(("I think priya sharma knows TOM  JONES.", "Tom was there."), registry, study_entities=STUDY_LIST)

    assert first == ("[NAME-1] told me about it in [PLACE-1].",)
    assert second == ("I think [NAME-2] knows [NAME-1].", "[NAME-1] was there.")


def test_a_given_name_and_the_full_name_of_the_participant_share_one_tag() -> None:
    person = ParticipantIdentifiers(given_name="José", family_name="García")
    registry = InMemoryTagRegistry()

    texts = redact(("Soy José García.", "jose, just jose", "Mr Garcia"), registry, participant=person)

    assert texts == ("Soy [NAME-1].", "[NAME-1], just [NAME-1]", "Mr [NAME-1]")


def test_numbers_count_separately_per_kind() -> None:
    registry = InMemoryTagRegistry()

    assert registry.get_or_assign("NAME", "a") == 1
    assert registry.get_or_assign("PLACE", "a") == 1
    assert registry.get_or_assign("NAME", "b") == 2
    assert registry.get_or_assign("NAME", "a") == 1


def test_an_email_written_and_read_out_gets_one_tag() -> None:
    registry = InMemoryTagRegistry()

    texts = redact(("ana.b@mail.com", "ana dot b at mail dot com"), registry)

    assert texts == ("[EMAIL-1]", "[EMAIL-1]")


def test_applying_returns_the_mapping_and_positions_and_leaves_the_input_alone() -> None:
    texts = ("Call Tom Jones on 020 7946 0958.", "Nothing here.")
    proposals = propose_redactions(segments(*texts), study_entities=STUDY_LIST)
    before = list(proposals)

    result = apply_redactions(texts, proposals, InMemoryTagRegistry())

    assert result.texts == ("Call [NAME-1] on [PHONE-1].", "Nothing here.")
    assert result.mapping == {"[NAME-1]": "Tom Jones", "[PHONE-1]": "020 7946 0958"}
    assert [(r.segment, r.start, r.end, r.tag) for r in result.replacements] == [
        (0, 5, 14, "[NAME-1]"),
        (0, 18, 31, "[PHONE-1]"),
    ]
    assert texts == ("Call Tom Jones on 020 7946 0958.", "Nothing here.")
    assert proposals == before


def test_only_accepted_proposals_are_applied() -> None:
    texts = ("Tom Jones lives in Leeds.",)
    proposals = propose_redactions(segments(*texts), study_entities=STUDY_LIST)
    accepted = [p for p in proposals if p.kind == Kind.NAME]

    assert apply_redactions(texts, accepted, InMemoryTagRegistry()).texts == ("[NAME-1] lives in Leeds.",)


def test_a_span_marked_by_hand_is_tagged_like_any_other() -> None:
    text = "My sister 🙂 Aisha came too."
    start = text.index("Aisha")
    mark = manual_proposal(segment=0, text=text, start=start, end=start + 5, kind=Kind.NAME)

    assert apply_redactions((text,), [mark], InMemoryTagRegistry()).texts == ("My sister 🙂 [NAME-1] came too.",)


def test_a_proposal_for_text_that_has_since_changed_is_refused() -> None:
    proposals = propose_redactions(segments("Tom Jones said so."), study_entities=STUDY_LIST)

    with pytest.raises(ProposalMismatch, match="changed"):
        apply_redactions(("Tim Jones said so.",), proposals, InMemoryTagRegistry())


def test_overlapping_accepted_spans_are_refused() -> None:
    text = "Tom Jones"
    marks = [
        manual_proposal(segment=0, text=text, start=0, end=9, kind=Kind.NAME),
        manual_proposal(segment=0, text=text, start=4, end=9, kind=Kind.NAME),
    ]

    with pytest.raises(ProposalMismatch, match="overlap"):
        apply_redactions((text,), marks, InMemoryTagRegistry())


def test_a_hand_marked_span_outside_the_text_is_refused() -> None:
    with pytest.raises(ProposalMismatch):
        manual_proposal(segment=0, text="short", start=3, end=10, kind=Kind.NAME)


def test_tags_work_in_right_to_left_and_devanagari_text() -> None:
    entities = [StudyEntity(Kind.NAME, "سارة", aliases=("सारा",))]
    registry = InMemoryTagRegistry()

    texts = redact(("قالت سارة ذلك", "सारा ने कहा"), registry, study_entities=entities)

    assert texts == ("قالت [NAME-1] ذلك", "[NAME-1] ने कहा")
