"""The transcript search page: each role searches the text it reads, hits open where that role works, the filters
narrow the hits, and bad input is answered with a reason and no search."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from coding.models import Code, CodebookVersion, Coding, CodingAssignment
from review.services.search_index import index_transcript
from review.tests.factories import approved_and_indexed, machine_transcript
from studies.models import Stratum, Study
from studies.tests.factories import ParticipantFactory, screen
from transcription.models import Segment, Transcript

TEXTS = ["My sister Zanele Okonkwo runs every morning.", "The chatbot listened when nobody else did."]


def page(client: Client, user: User, study: Study, **params: str) -> tuple[int, str]:
    client.force_login(user)
    response = client.get(reverse("coding:search", args=[study.slug]), params)
    return response.status_code, response.content.decode()


@pytest.fixture
def approved(study: Study, researcher: User, coder: User) -> Transcript:
    """An approved (redacted) transcript in the coder's queue, and its search rows."""
    return approved_and_indexed(study, researcher, TEXTS, listed_name="Zanele Okonkwo")


def test_it_shows_owners_the_raw_name_opening_the_editor_and_audits_the_read(
    client: Client, study: Study, owner: User, approved: Transcript
) -> None:
    status, html = page(client, owner, study, q="okonkwo")
    assert status == 200
    assert "<mark>Okonkwo</mark>" in html
    editor = reverse("review:editor", args=[study.slug, approved.id])
    assert f'href="{editor}#segment-0"' in html
    entry = AuditEntry.objects.get(action="transcript.raw_searched")
    assert entry.detail["transcripts"] == [approved.id]
    assert "okonkwo" not in str(entry.detail).lower()


def test_a_coder_never_finds_a_redacted_name_and_reads_the_tag_in_the_workspace_link(
    client: Client, study: Study, coder: User, approved: Transcript
) -> None:
    status, html = page(client, coder, study, q="Okonkwo")
    assert status == 200
    assert "0 segments match" in html
    assert 'class="snippet"' not in html
    status, html = page(client, coder, study, q="sister")
    assert "[NAME-1]" in html
    assert "<mark>sister</mark>" in html
    assert "Zanele" not in html
    assignment = CodingAssignment.objects.get(transcript=approved, coder=coder)
    assert f'href="{reverse("coding:workspace", args=[study.slug, assignment.id])}#segment-0"' in html
    assert not AuditEntry.objects.filter(action="transcript.raw_searched").exists()


def test_a_viewer_opens_the_reading_page_which_has_the_segment_anchor(
    client: Client, study: Study, viewer: User, approved: Transcript
) -> None:
    _, html = page(client, viewer, study, q="chatbot")
    read = reverse("review:read", args=[study.slug, approved.id])
    assert f'href="{read}#segment-1"' in html
    assert 'id="segment-1"' in client.get(read).content.decode()


def test_the_code_filter_keeps_segments_a_visible_coding_overlaps(
    client: Client, study: Study, researcher: User, coder: User, approved: Transcript
) -> None:
    code = Code.objects.create(study=study, name="Support")
    other = Code.objects.create(study=study, name="Gaps")
    book = CodebookVersion.objects.create(study=study, number=1, change="test")
    version = approved.versions.get(number=2)
    first = Segment.objects.get(version=version, index=0).text
    # A coding of the second segment only: offsets count the first segment and its "\n".
    start = len(first) + 1
    Coding.objects.create(
        transcript_version=version,
        start=start,
        end=start + 3,
        text="The",
        code=code,
        coder=coder,
        codebook_version=book,
    )
    _, html = page(client, researcher, study, q="morning", code=str(code.id))
    assert "0 segments match" in html
    _, html = page(client, researcher, study, q="chatbot", code=str(code.id))
    assert "1 segment matches" in html
    _, html = page(client, researcher, study, q="chatbot", code=str(other.id))
    assert "0 segments match" in html


def test_the_group_and_language_filters_narrow_the_hits(client: Client, study: Study, researcher: User) -> None:
    women, men = ParticipantFactory(study=study), ParticipantFactory(study=study)
    screen(women, {"gender": "woman"})
    screen(men, {"gender": "man"})
    stratum = Stratum.objects.create(study=study, name="Women", key="gender", values=["woman"], target=1, maximum=2)
    hers = machine_transcript(study, ["The chatbot helped at night."], participant=women)
    his = machine_transcript(study, ["El chatbot me ayudó."], participant=men)
    Transcript.objects.filter(pk=his.pk).update(language="es")
    Segment.objects.filter(version__transcript=his).update(language="es")
    for transcript in (hers, his):
        index_transcript(transcript_id=transcript.id)
    _, html = page(client, researcher, study, q="chatbot")
    assert "2 segments match" in html
    _, html = page(client, researcher, study, q="chatbot", stratum=str(stratum.id))
    assert "1 segment matches" in html
    assert women.code in html
    assert men.code not in html
    _, html = page(client, researcher, study, q="chatbot", language="es")
    assert "1 segment matches" in html
    assert men.code in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "Type one or more words to search for."),
        ({"q": "x" * 1000}, "Ensure this value has at most 200 characters (it has 1000)."),
        ({"q": "chatbot", "code": "999999"}, "Select a valid choice."),
        ({"q": "chatbot", "code": "not-a-number"}, "Select a valid choice."),
        ({"q": "chatbot", "language": "xx"}, "Select a valid choice."),
        ({"q": "chatbot", "page": "0"}, ""),
    ],
)
def test_bad_input_is_answered_with_a_reason_and_no_search(
    client: Client, study: Study, researcher: User, approved: Transcript, params: dict[str, str], message: str
) -> None:
    status, html = page(client, researcher, study, **params)
    assert status == 400
    assert message in html
    assert 'class="error-summary"' in html
    assert "segments match" not in html


def test_a_coder_cannot_filter_by_participant_group(client: Client, study: Study, coder: User) -> None:
    stratum = Stratum.objects.create(study=study, name="Women", key="gender", values=["woman"], target=1, maximum=2)
    status, html = page(client, coder, study, q="chatbot", stratum=str(stratum.id))
    assert status == 400
    assert "Select a valid choice." in html
    assert "Women" not in html


def test_only_common_words_get_their_own_message(
    client: Client, study: Study, researcher: User, approved: Transcript
) -> None:
    status, html = page(client, researcher, study, q="the of and")
    assert status == 200
    assert "Only very common words" in html
