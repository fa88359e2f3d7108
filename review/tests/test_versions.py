"""Saving edits as versions: copies, operations, conflicts, restore and diff."""

from __future__ import annotations

import pytest

from accounts.models import User
from review.services import versions
from review.services.diff import compare_rows
from review.services.errors import ReviewError, VersionConflict
from review.tests.factories import machine_transcript
from studies.models import Study
from transcription.models import Transcript

TEXTS = ["Hello, thanks for joining.", "I used the chatbot at night.", "It felt like a friend."]


@pytest.fixture
def transcript(study: Study) -> Transcript:
    return machine_transcript(study, TEXTS)


def texts(transcript: Transcript) -> list[str]:
    latest = versions.latest_version(transcript)
    assert latest is not None
    return [row["text"] for row in versions.rows_of(latest)]


def test_a_save_makes_a_new_version_with_author_and_copies_unchanged_segments(
    transcript: Transcript, researcher: User
) -> None:
    version = versions.save_edits(
        transcript=transcript,
        base_number=1,
        ops=[{"op": "text", "index": 1, "text": "I used it at night."}],
        author=researcher,
    )
    assert (version.number, version.created_by, version.is_machine) == (2, researcher, False)
    assert texts(transcript) == [TEXTS[0], "I used it at night.", TEXTS[2]]
    rows = versions.rows_of(version)
    assert rows[0]["words"]
    assert not rows[1]["words"]
    transcript.refresh_from_db()
    assert transcript.state == Transcript.State.IN_REVIEW


def test_a_save_on_an_outdated_version_is_refused_with_who_saved_in_between(
    transcript: Transcript, researcher: User, owner: User
) -> None:
    versions.save_edits(
        transcript=transcript, base_number=1, ops=[{"op": "text", "index": 0, "text": "Hi."}], author=owner
    )
    with pytest.raises(VersionConflict) as refused:
        versions.save_edits(
            transcript=transcript, base_number=1, ops=[{"op": "text", "index": 0, "text": "Hello."}], author=researcher
        )
    assert refused.value.latest == 2
    assert (owner.display_name or owner.email) in str(refused.value)
    assert "version 2" in str(refused.value)
    assert texts(transcript)[0] == "Hi."


def test_split_divides_text_times_and_words_at_the_cursor(transcript: Transcript, researcher: User) -> None:
    offset = TEXTS[1].index("at night")
    version = versions.save_edits(
        transcript=transcript, base_number=1, ops=[{"op": "split", "index": 1, "offset": offset}], author=researcher
    )
    rows = versions.rows_of(version)
    assert [r["text"] for r in rows] == [TEXTS[0], "I used the chatbot", "at night.", TEXTS[2]]
    assert rows[1]["end"] == rows[2]["start"] == rows[2]["words"][0]["start"]
    assert [w["text"].strip() for w in rows[2]["words"]] == ["at", "night."]


def test_merge_joins_a_segment_with_the_next_and_rename_changes_every_segment_of_a_speaker(
    transcript: Transcript, researcher: User
) -> None:
    ops = [{"op": "merge", "index": 0}, {"op": "rename_speaker", "from": "interviewer", "to": "Interviewer (Ana)"}]
    version = versions.save_edits(transcript=transcript, base_number=1, ops=ops, author=researcher)
    rows = versions.rows_of(version)
    assert [r["text"] for r in rows] == [f"{TEXTS[0]} {TEXTS[1]}", TEXTS[2]]
    assert [r["speaker"] for r in rows] == ["Interviewer (Ana)", "Interviewer (Ana)"]
    assert rows[0]["end"] == 7.5


def test_a_new_speaker_reaches_every_word_of_the_segment_and_a_rename_every_word_of_the_speaker(
    transcript: Transcript, researcher: User
) -> None:
    ops = [
        {"op": "speaker", "index": 2, "speaker": "P07"},
        {"op": "rename_speaker", "from": "interviewer", "to": "Ana"},
    ]
    rows = versions.rows_of(versions.save_edits(transcript=transcript, base_number=1, ops=ops, author=researcher))

    assert [row["speaker"] for row in rows] == ["Ana", "SPEAKER_1", "P07"]
    assert {word["speaker"] for word in rows[0]["words"]} == {"Ana"}
    assert {word["speaker"] for word in rows[2]["words"]} == {"P07"}
    assert all("speaker" not in word for word in rows[1]["words"])  # untouched: copied as stored


@pytest.mark.parametrize(
    "op",
    [
        {"op": "times", "index": 0, "start": 3, "end": 1},
        {"op": "merge", "index": 2},
        {"op": "split", "index": 0, "offset": 0},
        {"op": "text", "index": 9, "text": "x"},
        {"op": "delete_everything"},
    ],
)
def test_a_bad_operation_is_refused_and_nothing_is_saved(transcript: Transcript, researcher: User, op: dict) -> None:
    with pytest.raises(ReviewError):
        versions.save_edits(
            transcript=transcript,
            base_number=1,
            ops=[{"op": "text", "index": 0, "text": "Changed"}, op],
            author=researcher,
        )
    assert transcript.versions.count() == 1


def test_restore_makes_a_new_version_with_the_earlier_text(transcript: Transcript, researcher: User) -> None:
    versions.save_edits(
        transcript=transcript, base_number=1, ops=[{"op": "text", "index": 2, "text": "No."}], author=researcher
    )
    restored = versions.restore_version(transcript=transcript, number=1, base_number=2, author=researcher)
    assert restored.number == 3
    assert texts(transcript) == TEXTS


def test_the_diff_shows_changed_words_and_added_segments(transcript: Transcript, researcher: User) -> None:
    ops = [{"op": "text", "index": 1, "text": "I used ChatGPT at night."}, {"op": "split", "index": 2, "offset": 8}]
    new = versions.save_edits(transcript=transcript, base_number=1, ops=ops, author=researcher)
    old = transcript.versions.get(number=1)
    diff = compare_rows(versions.rows_of(old), versions.rows_of(new))
    changed = [d for d in diff if d.kind == "changed"]
    assert changed[0].old_index == 1
    assert ("removed", "the chatbot") in [(p.kind, p.text) for p in changed[0].pieces]
    assert ("added", "ChatGPT") in [(p.kind, p.text) for p in changed[0].pieces]
    assert any(d.kind == "added" for d in diff)
    assert diff[0].kind == "unchanged"
    assert diff[0].count == 1


def test_unchanged_segments_keep_their_words_and_the_translation_layer_is_kept(
    transcript: Transcript, researcher: User
) -> None:
    first = transcript.versions.get()
    first.translation = [{"start": 0, "end": 1, "text": "Hola"}]
    first.save()
    ops = [{"op": "split", "index": 0, "offset": 6}, {"op": "speaker", "index": 3, "speaker": "Ana"}]
    version = versions.save_edits(transcript=transcript, base_number=1, ops=ops, author=researcher)
    version.refresh_from_db()
    assert version.translation == [{"start": 0, "end": 1, "text": "Hola"}]
    old, new = versions.rows_of(first), versions.rows_of(version)
    assert [r["index"] for r in version.segments.values("index")] == [0, 1, 2, 3]
    assert new[2]["words"] == old[1]["words"]  # copied in the database, one place further on
    assert new[3]["words"] == [{**word, "speaker": "Ana"} for word in old[2]["words"]]  # the words follow the speaker
    assert new[3]["speaker"] == "Ana"
