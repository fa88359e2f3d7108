"""Marking words selected in the editor: the endpoint takes a segment index and code-point offsets on the version
the page showed, refuses a stale version, offsets outside the text and selections over two segments, and the mark
joins the de-identification list like a typed hand mark."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from review.models import RedactionMark
from review.services import redaction, versions
from studies.models import Study
from transcription.models import Transcript

# An emoji (one code point, two UTF-16 units) and Devanagari with combining signs come before the words marked.
TEXTS = ["I told the chatbot 🙂 about Haddad at work.", "मैं रोज़ 🙏 बात करती थी, then I moved to Beirut."]
HADDAD = TEXTS[0].index("Haddad")
BEIRUT = TEXTS[1].index("Beirut")


@pytest.fixture
def transcript(study: Study) -> Transcript:
    from review.tests.factories import machine_transcript

    return machine_transcript(study, TEXTS)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def mark(user: User, transcript: Transcript, **fields: Any) -> Any:
    study = transcript.recording.interview.study
    body = {"version": 1, "segment": 0, "start": HADDAD, "end": HADDAD + 6, "kind": "NAME", **fields}
    return client_for(user).post(
        reverse("review:redaction-mark-selection", args=[study.slug, transcript.id]),
        json.dumps(body),
        content_type="application/json",
    )


def test_it_marks_the_words_at_code_point_offsets_as_an_accepted_hand_mark(
    transcript: Transcript, researcher: User
) -> None:
    assert len(TEXTS[0][:HADDAD].encode("utf-16-le")) // 2 == HADDAD + 1  # the page counts one more before it
    response = mark(researcher, transcript)
    assert response.status_code == 200
    assert response.json()["mark"] == {
        "segment": 0,
        "start": HADDAD,
        "end": HADDAD + 6,
        "text": "Haddad",
        "kind": "NAME",
    }
    assert "Haddad" in response.json()["message"]
    stored = RedactionMark.objects.get(version__transcript=transcript)
    assert (stored.segment, stored.start, stored.end, stored.text) == (0, HADDAD, HADDAD + 6, "Haddad")
    assert (stored.source, stored.decision, stored.decided_by) == ("manual", "accepted", researcher)
    # In the list with its decision, whether or not a finder proposed the same span too.
    items = redaction.review_items(transcript.versions.get(number=1))
    found = [(i.proposal.text, i.decision) for i in items if (i.proposal.start, i.proposal.end) == (HADDAD, HADDAD + 6)]
    assert found == [("Haddad", "accepted")]
    entry = AuditEntry.objects.get(action="redaction.marked")
    assert entry.detail == {"transcript": transcript.id, "version": 1, "segment": 0}
    assert "Haddad" not in json.dumps(entry.detail)


def test_an_owner_marks_too_and_spaces_at_the_ends_of_a_selection_are_left_out(
    transcript: Transcript, owner: User
) -> None:
    response = mark(owner, transcript, segment=1, start=BEIRUT - 1, end=BEIRUT + 6, kind="PLACE")
    assert response.status_code == 200
    assert response.json()["mark"]["start"] == BEIRUT
    stored = RedactionMark.objects.get(version__transcript=transcript)
    assert (stored.segment, stored.start, stored.end, stored.text, stored.kind) == (
        1,
        BEIRUT,
        BEIRUT + 6,
        "Beirut",
        "PLACE",
    )


def test_the_mark_is_in_the_de_identification_page_list(study: Study, transcript: Transcript, researcher: User) -> None:
    mark(researcher, transcript)
    page = client_for(researcher).get(reverse("review:redaction", args=[study.slug, transcript.id])).content.decode()
    assert f'data-key="0:{HADDAD}:{HADDAD + 6}"' in page
    assert "<mark>Haddad</mark>" in page


def test_only_owners_and_researchers_may_mark(
    transcript: Transcript, interviewer: User, coder: User, viewer: User, outsider: User
) -> None:
    for user in (interviewer, coder, viewer):
        assert mark(user, transcript).status_code == 403
    assert mark(outsider, transcript).status_code == 404
    assert not RedactionMark.objects.exists()
    assert not AuditEntry.objects.filter(action="redaction.marked").exists()


def test_a_selection_made_on_an_older_version_is_refused_and_nothing_is_saved(
    transcript: Transcript, researcher: User, owner: User
) -> None:
    edit = [{"op": "text", "index": 0, "text": "Haddad first. " + TEXTS[0]}]
    versions.save_edits(transcript=transcript, base_number=1, ops=edit, author=owner)
    response = mark(researcher, transcript)
    assert response.status_code == 409
    assert response.json()["conflict"] is True
    assert "saved version 2" in response.json()["error"]
    assert "Haddad" not in response.json()["error"]
    assert not RedactionMark.objects.exists()


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"start": HADDAD, "end": HADDAD}, "outside the text of segment 1"),
        ({"start": HADDAD + 3, "end": HADDAD}, "outside the text of segment 1"),
        ({"start": -1, "end": 3}, "outside the text of segment 1"),
        ({"start": 40, "end": len(TEXTS[0]) + 1}, "outside the text of segment 1"),
        ({"segment": 5}, "There is no segment 6."),
        ({"start": "3"}, "could not be read"),
        ({"end": True}, "could not be read"),
        ({"start": 2.5}, "could not be read"),
        ({"kind": "FRIEND"}, "what kind of identifier"),
        ({"start": HADDAD - 1, "end": HADDAD}, "only spaces"),
        ({"version": None}, "did not say which version"),
    ],
)
def test_bad_offsets_kinds_and_versions_are_refused_with_a_reason(
    transcript: Transcript, researcher: User, fields: dict[str, Any], reason: str
) -> None:
    response = mark(researcher, transcript, **fields)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not RedactionMark.objects.exists()


def test_a_selection_over_two_segments_is_refused(transcript: Transcript, researcher: User) -> None:
    response = mark(researcher, transcript, segment=0, start=HADDAD, end_segment=1, end=4)
    assert response.status_code == 400
    assert "within one segment" in response.json()["error"]
    assert not RedactionMark.objects.exists()


def test_a_body_that_is_not_a_selection_is_refused(study: Study, transcript: Transcript, researcher: User) -> None:
    path = reverse("review:redaction-mark-selection", args=[study.slug, transcript.id])
    for body in ("[1, 2]", "not json", ""):
        response = client_for(researcher).post(path, body, content_type="application/json")
        assert response.status_code == 400
        assert "could not be read" in response.json()["error"]
    assert not RedactionMark.objects.exists()
