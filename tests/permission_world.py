"""One study with an object of every kind a URL can name, and the personas who visit it.

The permission matrix (tests/test_permission_matrix.py) fills each route's URL parameters from here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.tokens import create_api_token
from coding.models import CodebookVersion, Coding, CodingAssignment, Memo
from coding.tests.factories import CodeFactory, screen
from config.media import save_encrypted
from review.services import redaction
from review.services.approval import approve_version
from review.tests.factories import machine_transcript
from studies.models import (
    ContactDetails,
    CrisisResource,
    GuideQuestion,
    Incentive,
    Interview,
    InterviewNote,
    Questionnaire,
    Role,
    SafetyContact,
    SafetyEvent,
    Stratum,
    Study,
)
from studies.tests.factories import (
    InterviewFactory,
    MembershipFactory,
    ParticipantFactory,
    SlotFactory,
    StudyFactory,
    build_screening,
)
from transcription.models import TranscriptionJob, Upload, VoiceAnswer
from transcription.tests.factories import MediaFileFactory, TranscriptionJobFactory

PERSONAS = ("owner", "researcher", "interviewer", "coder", "viewer", "outsider", "anonymous")
RAW_TEXT = "Matrix Person uses a chatbot at night."
CONTACT = ("Matrix Person", "matrix@example.org")
DISTRESS_NOTE = "Matrix assessment note: cried about her brother."
INTERVIEW_NOTE = "Matrix interview note: mentioned the clinic of her brother."


@dataclass
class World:
    study: Study
    users: dict[str, User]
    ids: dict[str, Any] = field(default_factory=dict)

    def client(self, persona: str) -> Client:
        client = Client()
        if persona != "anonymous":
            client.force_login(self.users[persona])
        return client


def build_world() -> World:
    study = StudyFactory(slug="matrix")
    users = {role: MembershipFactory(study=study, role=role).user for role in Role.values}
    users["outsider"] = MembershipFactory(study=StudyFactory(), role=Role.OWNER).user
    world = World(study, users)
    _participant_side(world)
    _transcript_side(world)
    _coding_side(world)
    return world


def _participant_side(world: World) -> None:
    questionnaire = build_screening(world.study)
    participant = ParticipantFactory(study=world.study)
    ContactDetails.objects.create(participant=participant, name=CONTACT[0], email=CONTACT[1])
    screen(participant, {"region": "europe"})
    world.ids["slot_id"] = SlotFactory(study=world.study).pk
    world.ids.update(code=participant.code, pseudonym=participant.code, pk=questionnaire.pk, participant=participant)
    # The screening's last question and first rule, for the questionnaire pages (empty POSTs there change nothing).
    world.ids["question_pk"] = questionnaire.questions.get(key="attention").pk
    world.ids["rule_pk"] = questionnaire.rules.get(key="age").pk
    # A guide question skipped in a finished voice interview: an empty POST to delete it is refused, changing nothing.
    question = GuideQuestion.objects.create(study=world.study, position=1, prompt={"en": "How are you?"})
    voice = InterviewFactory(participant=participant, mode=Interview.Mode.ASYNC_VOICE)
    VoiceAnswer.objects.create(interview=voice, question=question)
    world.ids["question_id"] = question.pk
    world.ids["stage_questionnaire"] = Questionnaire.objects.filter(study=world.study).first()
    # A risk answer, and (below, once the interview exists) distress marked in the interview: the routes by event
    # use the latter, whose assessment note only owners and researchers may read.
    SafetyEvent.objects.create(study=world.study, participant=participant, question_key="crisis")
    world.ids["resource_id"] = CrisisResource.objects.create(study=world.study, name="Matrix line", phone="111").pk
    world.ids["contact_id"] = SafetyContact.objects.create(study=world.study, name="Lead", email="lead@example.org").pk
    world.ids["stratum_id"] = Stratum.objects.create(
        study=world.study, name="Region: Europe", key="region", values=["europe"], target=1, maximum=2
    ).pk
    # An owed incentive: empty POSTs to pay or cancel it are refused (no date, no confirmation), changing nothing.
    world.ids["incentive_id"] = Incentive.objects.create(
        study=world.study,
        participant=participant,
        reason="interview_done",
        amount="25.00",
        currency="USD",
        method="gift_card",
        earned_at=timezone.now(),
    ).pk


def _transcript_side(world: World) -> None:
    participant = world.ids["participant"]
    transcript = machine_transcript(world.study, ["Hello there.", RAW_TEXT], participant=participant)
    recording = transcript.recording
    name = save_encrypted(name="matrix/audio.enc", source=io.BytesIO(b"RIFF" + b"\0" * 2000))
    media = MediaFileFactory(recording=recording, storage_name=name, byte_size=2004)
    job = TranscriptionJobFactory(recording=recording, status=TranscriptionJob.Status.FAILED)
    upload = Upload.objects.create(interview=recording.interview, created_by=world.users["interviewer"], size=10)
    world.ids.update(
        interview_id=recording.interview_id,
        recording_id=recording.pk,
        transcript_id=transcript.pk,
        file_id=media.pk,
        job_id=job.pk,
        upload_id=upload.pk,
        version_id=transcript.versions.get().pk,
        transcript=transcript,
    )
    world.ids["event_id"] = SafetyEvent.objects.create(
        study=world.study,
        participant=participant,
        kind=SafetyEvent.Kind.INTERVIEW_DISTRESS,
        interview=recording.interview,
        marked_at=timezone.now(),
        marked_by=world.users["interviewer"],
        recording_offset=1.0,
        outcome=SafetyEvent.Outcome.STOP,
        assessed_at=timezone.now(),
        assessment_note=DISTRESS_NOTE,
        follow_up_due_at=timezone.now(),
        follow_up_assignee=world.users["interviewer"],
        follow_up_channel=SafetyEvent.Channel.PHONE,
    ).pk
    # A note the interviewer took in the interview: owners, researchers and interviewers read it, nobody else.
    InterviewNote.objects.create(
        interview=recording.interview,
        author=world.users["interviewer"],
        text=INTERVIEW_NOTE,
        written_at=timezone.now(),
        offset=5.0,
    )


def _coding_side(world: World) -> None:
    # As in real use: the researcher redacts the machine version and approves the redacted one, which puts it
    # in the coder's queue. The raw version 1 stays for owners and researchers only.
    transcript = world.ids["transcript"]
    researcher = world.users["researcher"]
    redaction.accept_undecided(version=transcript.versions.get(number=1), user=researcher)
    redaction.redact_latest(transcript=transcript, base_number=1, user=researcher)
    approve_version(transcript=transcript, number=2, user=researcher)
    version = transcript.versions.get(number=2)
    code = CodeFactory(study=world.study)
    assignment = CodingAssignment.objects.get(transcript=transcript, coder=world.users["coder"])
    memo = Memo.objects.create(study=world.study, author=world.users["coder"], text="note", transcript=transcript)
    token = create_api_token(
        user=world.users["owner"], name="matrix", study_ids=[world.study.pk], read_only=True, expires_at=None
    )
    book = CodebookVersion.objects.create(study=world.study, number=1, change="matrix", snapshot=[])
    coding = Coding.objects.create(
        transcript_version=version,
        start=0,
        end=5,
        text="Hello",
        code=code,
        coder=world.users["coder"],
        codebook_version=book,
    )
    world.ids.update(guid=code.guid, assignment_id=assignment.pk, memo_id=memo.pk, prefix=token.token.prefix)
    world.ids["coding_id"] = coding.pk
    world.ids["fmt"] = "csv"
    world.ids["panel"] = "funnel"
    world.ids["token"] = "not-a-real-token"
    world.ids["export_id"] = 999999  # no such export
    world.ids["uidb64"] = "MQ"
    world.ids["slug"] = world.study.slug
