"""The archive's methods summary reports the safety protocol in counts only: events by kind and by outcome,
follow-ups done and open, partial withdrawals applied; never a note, a question key, a date or a person."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from exports.archive.methods import methods_figures, methods_text
from exports.tests.kit import built, member_bytes
from studies.models import SafetyEvent, Study
from studies.tests.factories import InterviewFactory, ParticipantFactory
from tests.exportkit import make_transcript

pytestmark = pytest.mark.django_db
Kind, Outcome, FollowUp = SafetyEvent.Kind, SafetyEvent.Outcome, SafetyEvent.FollowUp
NOTES = ("Assessment: she spoke of a plan to hurt herself.", "Follow-up: called her, she is with her sister.")
KEY = "risk_self_harm_matrix"


def event(study: Study, kind: str, *, outcome: str = "", resolved: bool = False, cut: bool = False) -> SafetyEvent:
    participant = ParticipantFactory(study=study)
    interview = None if kind == Kind.RISK_ITEM else InterviewFactory(study=study, participant=participant)
    now = timezone.now()
    return SafetyEvent.objects.create(
        study=study,
        participant=participant,
        kind=kind,
        question_key=KEY if kind == Kind.RISK_ITEM else "",
        interview=interview,
        marked_at=now - timedelta(days=3),
        outcome=outcome,
        assessment_note=NOTES[0] if outcome else "",
        follow_up=FollowUp.RESOLVED if resolved else FollowUp.OPEN,
        followed_up_at=now if resolved else None,
        follow_up_note=NOTES[1] if resolved else "",
        cut_requested_at=now if cut else None,
        cut_applied_at=now if cut else None,
    )


@pytest.fixture
def safety_study(study: Study) -> Study:
    make_transcript(study)
    event(study, Kind.RISK_ITEM, resolved=True)
    event(study, Kind.RISK_ITEM)
    event(study, Kind.INTERVIEW_DISTRESS, outcome=Outcome.URGENT_HELP, resolved=True, cut=True)
    event(study, Kind.INTERVIEW_DISTRESS, outcome=Outcome.PAUSE)
    event(study, Kind.INTERVIEW_DISTRESS)  # marked, not assessed yet
    event(study, Kind.PARTICIPANT_SUPPORT, outcome=Outcome.STOP)
    return study


def test_the_summary_counts_events_by_kind_and_outcome_follow_ups_and_cuts(safety_study: Study) -> None:
    other = ParticipantFactory().study
    event(other, Kind.INTERVIEW_DISTRESS, outcome=Outcome.STOP, cut=True)  # another study's event counts nowhere here

    figures = methods_figures(safety_study, exported=[])["safety"]

    assert figures["by_kind"] == {"risk_item": 2, "interview_distress": 3, "participant_support": 1}
    assert figures["by_outcome"] == {"continue": 0, "pause": 1, "reschedule": 0, "stop": 1, "urgent_help": 1}
    assert (figures["follow_ups_done"], figures["follow_ups_open"]) == (2, 4)
    assert figures["partial_withdrawals_applied"] == 1
    text = methods_text(safety_study, methods_figures(safety_study, exported=[]))
    assert (
        "- Safety events: risk answers in a questionnaire 2, distress marked during an interview 3, "
        "participant asked for support 1." in text
    )
    assert "- Outcomes of the assessments: paused, then resumed 1, stopped 1, urgent help 1." in text
    assert "- Follow-ups: 2 done, 4 open; partial withdrawals applied: 1." in text


def test_a_study_without_safety_events_says_so(study: Study) -> None:
    figures = methods_figures(study, exported=[])

    assert figures["safety"]["by_kind"] == {"risk_item": 0, "interview_distress": 0, "participant_support": 0}
    assert "- Safety protocol: no safety events were recorded." in methods_text(study, figures)


def test_the_archive_holds_the_counts_and_nothing_per_person(safety_study: Study, owner: User) -> None:
    _, data = built(safety_study, owner)
    archive = zipfile.ZipFile(io.BytesIO(data))

    figures = json.loads(archive.read("methods.json"))
    assert figures["safety"]["by_kind"]["interview_distress"] == 3
    assert "Follow-ups: 2 done, 4 open" in archive.read("methods.md").decode()
    everything = member_bytes(data)
    for secret in (*NOTES, KEY):
        assert secret.encode() not in everything
    summaries = archive.read("methods.json") + archive.read("methods.md")
    for person in SafetyEvent.objects.filter(study=safety_study).values_list("participant__code", flat=True):
        assert person.encode() not in summaries
    header = archive.read("participants.csv").decode("utf-8-sig").splitlines()[0]
    assert not any(word in header for word in ("safety", "distress", "outcome", "follow"))
    days = {day.date().isoformat().encode() for day in SafetyEvent.objects.values_list("marked_at", flat=True) if day}
    assert days
    assert not any(day in everything for day in days)
