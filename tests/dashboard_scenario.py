"""A scripted sequence of study events for the dashboard tests (database and browser alike).

Screening goes through the real screening service (eligibility, fraud flags, quotas, safety events);
consent through the real consent service; jobs are claimed with the jobs layer's own claim; codings go
through the coding services. Only what a worker process would write while transcribing (device, model,
progress, ETA) and the job that failed are set directly, since no worker runs here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import count

from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from coding.models import Code
from coding.services import CodeDraft, add_code
from coding.services.codings import add_coding, assign_transcript, finish_assignment
from studies.models import Participant, ScreeningResponse, Stratum, Study
from studies.services.consent import sign_consent
from studies.services.screening import Submission, submit_screening
from studies.services.withdrawal import withdraw_participant
from studies.tests.factories import ConsentDocumentFactory, InterviewFactory, build_screening
from transcription.models import Segment, Transcript, TranscriptionJob, TranscriptVersion
from transcription.services import claim_job
from transcription.tests.factories import RecordingFactory, TranscriptionJobFactory

_tokens = count(1)


@dataclass
class Scenario:
    study: Study
    people: dict[str, Participant]
    running: TranscriptionJob
    failed: TranscriptionJob
    done: TranscriptionJob
    codes: dict[str, Code]
    coders: list[User]
    version: TranscriptVersion


def screen(
    study: Study, *, age: int = 30, country: str = "KE", used: str = "yes", crisis: str = "no", attention: str = "no"
) -> Participant:
    """Submit one screening form through the real service; each person from their own device."""
    number = next(_tokens)
    outcome = submit_screening(
        study=study,
        questionnaire=study.questionnaires.get(kind="screening"),
        submission=Submission(
            form_token=f"dashboard-{number}-{study.id}",
            started_at=timezone.now() - timedelta(minutes=5),
            answers={"age": age, "country": country, "used_chatbot": used, "crisis": crisis, "attention": attention},
            name="Synthetic Person",
            email=f"person{number}@example.org",
            phone="",
            language="en",
            ip=f"10.0.{number // 250}.{number % 250}",
            user_agent="pytest",
        ),
    )
    return outcome.response.participant


def consent(participant: Participant) -> None:
    """Invite, then sign the current consent document (every item yes)."""
    Participant.objects.filter(pk=participant.pk).update(status=Participant.Status.INVITED)
    document = participant.study.consent_documents.order_by("-version").first() or ConsentDocumentFactory(
        study=participant.study
    )
    sign_consent(
        participant=participant,
        document=document,
        choices=dict.fromkeys(document.items, True),
        comprehension_answers=[],
        signature_name="Synthetic Person",
        ip_address="10.9.9.9",
        language="en",
    )
    participant.refresh_from_db()


def recruit(study: Study) -> dict[str, Participant]:
    """Eight people screened: four consented (one of whom withdrew), one eligible, one ineligible, one
    flagged, one in crisis; quotas on world region."""
    build_screening(study)
    Stratum.objects.create(study=study, name="Region: Africa", key="region", values=["africa"], target=3, maximum=4)
    Stratum.objects.create(study=study, name="Region: Europe", key="region", values=["europe"], target=1, maximum=2)
    people = {
        "kenya": screen(study, country="KE"),
        "nigeria": screen(study, country="NG"),
        "germany": screen(study, country="DE"),
        "brazil": screen(study, country="BR"),
        "eligible": screen(study, country="IN"),
        "minor": screen(study, age=16, country="ES"),
        "flagged": screen(study, country="FR", attention="yes"),
        "crisis": screen(study, country="US", crisis="yes"),
    }
    for key in ("kenya", "nigeria", "germany", "brazil"):
        consent(people[key])
    withdraw_participant(participant=people["brazil"], scope=Participant.WithdrawalScope.KEEP_DATA)
    people["brazil"].refresh_from_db()
    return people


def interview(participant: Participant) -> TranscriptionJob:
    InterviewFactory(participant=participant, study=participant.study)
    Participant.objects.filter(pk=participant.pk).update(status=Participant.Status.INTERVIEWED)
    recording = RecordingFactory(interview=participant.interviews.get())
    return TranscriptionJobFactory(recording=recording)


def run_jobs(people: dict[str, Participant]) -> tuple[TranscriptionJob, TranscriptionJob, TranscriptionJob]:
    """Kenya's job runs on a GPU worker at 40 %; Nigeria's failed; Germany's finished 30 min of audio."""
    now = timezone.now()
    running = interview(people["kenya"])
    claim_job(job_id=running.id, worker="celery@gpu-1")
    TranscriptionJob.objects.filter(id=running.id).update(
        device="cuda", model_name="large-v3", progress=40, eta=now + timedelta(minutes=6), heartbeat_at=now
    )
    failed = interview(people["nigeria"])
    TranscriptionJob.objects.filter(id=failed.id).update(
        status=TranscriptionJob.Status.FAILED,
        attempts=3,
        claimed_at=now - timedelta(minutes=20),
        finished_at=now - timedelta(minutes=5),
        worker="celery@cpu-1",
        device="cpu",
        model_name="base",
        error_message="The stored recording could not be read back.",
    )
    done = interview(people["germany"])
    TranscriptionJob.objects.filter(id=done.id).update(
        status=TranscriptionJob.Status.SUCCEEDED,
        attempts=1,
        claimed_at=now - timedelta(minutes=40),
        finished_at=now - timedelta(minutes=30),
        worker="celery@cpu-1",
        device="cpu",
        model_name="base",
        progress=100,
    )
    for job in (running, failed, done):
        job.refresh_from_db()
    return running, failed, done


Coded = tuple[dict[str, Code], list[User], TranscriptVersion]


def code_transcript(study: Study, done: TranscriptionJob, owner: User) -> Coded:
    """Germany's transcript, approved and coded by two coders who agree on 'Support' and not on 'Risk'."""
    transcript = Transcript.objects.create(recording=done.recording, language="en", duration=1800.0, state="approved")
    version = TranscriptVersion.objects.create(transcript=transcript, number=1, is_machine=True)
    texts = ["It listens at night.", "I felt less alone.", "Sometimes it said odd things.", "Thanks."]
    for index, text in enumerate(texts):
        Segment.objects.create(version=version, index=index, start=5.0 * index, end=5.0 * index + 4, text=text)
    codes = {name: add_code(study=study, actor=owner, draft=CodeDraft(name=name)) for name in ("Support", "Risk")}
    coders: list[User] = [UserFactory(display_name=f"Coder {letter}") for letter in "ABC"]
    for coder in coders[:2]:
        assignment = assign_transcript(transcript=transcript, version=version, coder=coder)
        add_coding(version=version, coder=coder, code=codes["Support"], start=0, end=10)
        finish_assignment(assignment=assignment)
    add_coding(version=version, coder=coders[0], code=codes["Risk"], start=40, end=50)  # segment 2 only
    assign_transcript(transcript=transcript, version=version, coder=coders[2])
    return codes, coders, version


def build(study: Study, owner: User) -> Scenario:
    people = recruit(study)
    running, failed, done = run_jobs(people)
    codes, coders, version = code_transcript(study, done, owner)
    return Scenario(study, people, running, failed, done, codes, coders, version)


def latest_response(participant: Participant) -> ScreeningResponse:
    return participant.responses.order_by("-submitted_at").first()  # type: ignore[return-value]
