"""Distress in review: segments near a mark are flagged in the editor (computed, never stored), the editor lists the
marks and a voice answer's requests for support, the approve button says flagged segments exist, and only owners
and researchers ever see any of it."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coding.models import CodingAssignment
from review.distress import DistressMark
from review.models import Approval
from review.services import redaction
from review.tests.factories import machine_transcript
from studies.models import GuideQuestion, Interview, SafetyEvent, Study
from studies.tests.factories import InterviewFactory
from transcription.models import Segment, Transcript, VoiceAnswer

pytestmark = pytest.mark.django_db
Kind = SafetyEvent.Kind
NOTE = "She said her brother died in March."
# Twenty-second segments: segment i runs from 20 i to 20 i + 19.5 seconds.
TEXTS = [f"Sentence number {i}." for i in range(16)]


@pytest.fixture
def transcript(study: Study) -> Transcript:
    return machine_transcript(study, TEXTS, seconds=20.0, flags={0: ["low_confidence"]})


def mark(transcript: Transcript, offset: float | None, *, note: str = "") -> SafetyEvent:
    interview = transcript.recording.interview
    return SafetyEvent.objects.create(
        study=interview.study,
        participant=interview.participant,
        kind=Kind.INTERVIEW_DISTRESS,
        interview=interview,
        marked_at=timezone.now(),
        recording_offset=offset,
        outcome=SafetyEvent.Outcome.PAUSE if note else "",
        assessment_note=note,
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def editor(user: User, transcript: Transcript) -> str:
    study = transcript.recording.interview.study
    response = client_for(user).get(reverse("review:editor", args=[study.slug, transcript.id]))
    assert response.status_code == 200
    return response.content.decode()


def payload(page: str) -> dict:
    found = re.search(r'<script id="editor-data" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


def distress_flagged(page: str) -> list[int]:
    return [i for i, segment in enumerate(payload(page)["segments"]) if "distress" in segment["f"]]


def test_a_segment_overlaps_the_window_when_it_touches_either_edge() -> None:
    at_two_minutes = DistressMark(event_id=1, offset=120.0)  # the window is 60 s to 240 s
    assert at_two_minutes.covers(40.0, 60.0)
    assert not at_two_minutes.covers(40.0, 59.9)
    assert at_two_minutes.covers(240.0, 250.0)
    assert not at_two_minutes.covers(240.1, 250.0)
    assert at_two_minutes.covers(0.0, 900.0)
    assert not DistressMark(event_id=2, offset=None).covers(0.0, 900.0)
    assert DistressMark(event_id=3, offset=75.9).clock == "1:15"
    assert DistressMark(event_id=4, offset=4503.0).clock == "75:03"


def test_segments_from_a_minute_before_to_two_minutes_after_a_mark_are_flagged(
    transcript: Transcript, owner: User
) -> None:
    mark(transcript, 120.0)
    page = editor(owner, transcript)

    assert distress_flagged(page) == list(range(3, 13))  # 60-79.5 s up to 240-259.5 s
    segments = payload(page)["segments"]
    assert segments[0]["f"] == ["low_confidence"]
    assert segments[3]["f"] == ["distress"]
    assert payload(page)["flagLabels"]["distress"] == "Distress marked near here"


def test_a_segment_ending_at_the_window_s_start_is_flagged_and_one_starting_after_its_end_is_not(
    transcript: Transcript, researcher: User
) -> None:
    mark(transcript, 119.5)  # the window is 59.5 s to 239.5 s

    assert distress_flagged(editor(researcher, transcript)) == list(range(2, 12))


def test_flags_are_computed_for_the_page_and_never_stored(transcript: Transcript, owner: User) -> None:
    mark(transcript, 120.0)
    editor(owner, transcript)

    assert not Segment.objects.filter(version__transcript=transcript, flags__contains=["distress"]).exists()


def test_marks_of_other_interviews_and_risk_answers_flag_nothing(
    study: Study, transcript: Transcript, owner: User
) -> None:
    other = machine_transcript(study, TEXTS[:2])
    mark(other, 0.0)
    SafetyEvent.objects.create(
        study=study, participant=transcript.recording.interview.participant, kind=Kind.RISK_ITEM, question_key="risk"
    )
    page = editor(owner, transcript)

    assert distress_flagged(page) == []
    assert 'id="distress-marks"' not in page


def test_the_editor_lists_each_mark_above_the_text_and_never_the_note(transcript: Transcript, owner: User) -> None:
    mark(transcript, 1000.0)
    early = mark(transcript, 130.0, note=NOTE)
    mark(transcript, None)
    page = editor(owner, transcript)

    section = page[page.index('<section id="distress-marks"') : page.index('id="segments"')]
    assert section.index("Distress marked at 2:10") < section.index("Distress marked at 16:40")
    assert section.count('class="jump-distress"') == 1
    assert 'data-from="70.0"' in section
    assert "No segment of this transcript lies near this time." in section  # 16:40 is past its end
    assert "its time in the recording is not set yet" in section
    assert "Read these segments before approving; the assessment note is on the" in section
    safety = reverse("studies:safety", args=[transcript.recording.interview.study.slug])
    assert f'href="{safety}#event-{early.pk}"' in section
    assert NOTE not in page
    assert distress_flagged(page) == list(range(3, 13))  # 70-250 s; nothing lies near 16:40


def test_approving_with_flagged_segments_is_allowed_and_the_button_says_they_exist(
    transcript: Transcript, owner: User
) -> None:
    mark(transcript, 120.0)
    redaction.accept_undecided(version=transcript.versions.get(number=1), user=owner)
    redaction.redact_latest(transcript=transcript, base_number=1, user=owner)
    page = editor(owner, transcript)

    form = page[page.index('class="approve"') : page.index('id="approve"')]
    assert "10 segments are flagged as near a distress mark: you may approve, once you have read them." in form
    assert 'aria-describedby="approve-distress"' in page

    study = transcript.recording.interview.study
    response = client_for(owner).post(reverse("review:approve", args=[study.slug, transcript.id]), {"version": 2})
    assert response.status_code == 302
    assert Approval.objects.filter(transcript=transcript, version__number=2).exists()


def test_without_a_mark_the_approve_area_says_nothing_of_distress(transcript: Transcript, owner: User) -> None:
    redaction.accept_undecided(version=transcript.versions.get(number=1), user=owner)
    redaction.redact_latest(transcript=transcript, base_number=1, user=owner)
    page = editor(owner, transcript)

    form = page[page.index('class="approve"') : page.index("</form>", page.index('class="approve"'))]
    assert 'id="approve"' in form
    assert "distress" not in form.lower()
    assert 'id="distress-marks"' not in page


def test_interviewers_coders_and_viewers_cannot_open_the_editor(
    transcript: Transcript, interviewer: User, coder: User, viewer: User
) -> None:
    mark(transcript, 120.0, note=NOTE)
    study = transcript.recording.interview.study
    for user in (interviewer, coder, viewer):
        assert client_for(user).get(reverse("review:editor", args=[study.slug, transcript.id])).status_code == 403


def test_coders_never_see_distress_flags_or_marks(transcript: Transcript, owner: User, coder: User) -> None:
    mark(transcript, 120.0, note=NOTE)
    redaction.accept_undecided(version=transcript.versions.get(number=1), user=owner)
    redaction.redact_latest(transcript=transcript, base_number=1, user=owner)
    client_for(owner).post(
        reverse("review:approve", args=[transcript.recording.interview.study.slug, transcript.id]), {"version": 2}
    )
    assignment = CodingAssignment.objects.get(transcript=transcript, coder=coder)
    study = transcript.recording.interview.study

    client = client_for(coder)
    read = client.get(reverse("review:read", args=[study.slug, transcript.id])).content.decode()
    workspace = client.get(reverse("coding:workspace", args=[study.slug, assignment.id])).content.decode()

    assert "Sentence number 3." in read
    assert "Sentence number 3." in workspace
    for page in (read, workspace):
        assert "distress" not in page.lower()
        assert NOTE not in page
    owners_read = client_for(owner).get(reverse("review:read", args=[study.slug, transcript.id])).content.decode()
    assert "distress" not in owners_read.lower()  # the reading page never shows the flags, to anyone


@pytest.fixture
def voice_answers(study: Study) -> dict[int, Transcript]:
    """A voice interview with answers to questions 1 to 3, each its own recording and transcript."""
    interview = InterviewFactory(study=study, mode=Interview.Mode.ASYNC_VOICE)
    answers = {}
    for position in (1, 2, 3):
        question = GuideQuestion.objects.create(study=study, position=position, prompt={"en": f"Question {position}?"})
        transcript = machine_transcript(study, [f"Answer {position}."], participant=interview.participant)
        transcript.recording.interview = interview
        transcript.recording.save()
        VoiceAnswer.objects.create(interview=interview, question=question, recording=transcript.recording)
        answers[position] = transcript
    return answers


def support_at(transcript: Transcript, position: int) -> SafetyEvent:
    interview = transcript.recording.interview
    return SafetyEvent.objects.create(
        study=interview.study,
        participant=interview.participant,
        kind=Kind.PARTICIPANT_SUPPORT,
        interview=interview,
        guide_question=GuideQuestion.objects.get(study=interview.study, position=position),
        marked_at=timezone.now() - timedelta(minutes=1),
    )


def test_voice_answers_from_the_support_question_on_carry_the_banner(
    voice_answers: dict[int, Transcript], researcher: User
) -> None:
    support_at(voice_answers[2], 2)

    first, second, third = (editor(researcher, voice_answers[n]) for n in (1, 2, 3))

    assert "asked for support" not in first
    assert "The participant asked for support at this question." in second
    assert "The participant asked for support at question 2, before this one." in third
    for page in (second, third):
        assert 'id="distress-marks"' in page
        assert distress_flagged(page) == []  # no window: the whole answer is the moment
