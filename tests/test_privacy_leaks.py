"""No email address, name or transcript text reaches the application logs or the broker in a full journey.

Everything is real: the public screening form, the invitation task sent to Redis, the email task, an
encrypted upload, the Whisper transcription of synthesized speech, and an erasing withdrawal. The broker is
watched with Redis' MONITOR command (every command any client sends), the logs with a root handler at DEBUG.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from studies.models import Participant, Study
from studies.services.emails import send_invitation_email
from studies.services.quotas import invite_participants
from studies.services.withdrawal import withdraw_participant
from studies.tests.factories import ConsentFactory, InterviewFactory, StudyFactory, build_screening
from transcription import services
from transcription.models import Segment, TranscriptionJob
from transcription.services import RecordingPlan, add_recording
from transcription.tests.jobkit import private_media, speech_wav, upload_bytes

__all__ = ["private_media"]
NAME, EMAIL = "Zephyrine Quillfeather", "zephyrine.quill@example.org"
SPOKEN = "The lighthouse keeper painted the harbour boats every morning."
SECRET_WORDS = ("lighthouse", "harbour", "harbor", "painted")


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.args!r} {record.exc_text or ''}")


@pytest.fixture
def captured_logs() -> Iterator[Capture]:
    handler, root = Capture(), logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.fixture
def broker_traffic() -> Iterator[list[str]]:
    """Every command sent to Redis while the test runs, as MONITOR reports it."""
    lines: list[str] = []
    client = redis.Redis.from_url(settings.REDIS_URL)
    sentinel = "privacy-test-monitor-stop"

    def watch() -> None:
        with client.monitor() as monitor:
            for command in monitor.listen():
                lines.append(command["command"])
                if sentinel in command["command"]:
                    return

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    yield lines
    client.echo(sentinel)
    thread.join(timeout=10)


def screen_in(study: Study) -> Participant:
    client = Client()
    page = client.get(reverse("participate:screening", args=[study.slug])).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token
    answers = {"q_age": "34", "q_country": "GB", "q_used_chatbot": "yes", "q_crisis": "no", "q_attention": "no"}
    form = {**answers, "name": NAME, "email": EMAIL, "phone": "", "website": "", "token": token.group(1)}
    assert client.post(reverse("participate:screening", args=[study.slug]), form).status_code == 302
    return Participant.objects.get(study=study)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_no_email_name_or_transcript_text_in_logs_or_broker(
    private_media: Path, captured_logs: Capture, broker_traffic: list[str]
) -> None:
    study = StudyFactory(slug="privacy-journey")
    build_screening(study)
    participant = screen_in(study)

    assert invite_participants(participants=[participant]) == 1
    send_invitation_email(participant.id)
    assert mail.outbox[-1].to == [EMAIL]

    ConsentFactory(participant=participant)
    interview = InterviewFactory(participant=participant, study=study)
    team_member = UserFactory()
    upload = upload_bytes(interview, team_member, speech_wav(SPOKEN))
    recording = add_recording(interview=interview, user=team_member, plan=RecordingPlan("mixed", [upload.pk]))
    job = TranscriptionJob.objects.get(recording=recording)
    assert services.run_transcription_job(job_id=job.id, worker="privacy") == "succeeded"
    spoken = " ".join(Segment.objects.filter(version__transcript__recording=recording).values_list("text", flat=True))
    heard = [word for word in SECRET_WORDS if word in spoken.lower()]
    assert heard, f"the check needs recognised words; the transcript was {spoken!r}"

    withdraw_participant(participant=participant, scope=Participant.WithdrawalScope.DELETE_ALL)

    logs = "\n".join(captured_logs.lines).lower()
    traffic = "\n".join(broker_traffic).lower()
    assert len(broker_traffic) > 3, "the monitor saw the broker traffic"
    for secret in (EMAIL, NAME, *NAME.split(), *heard):
        assert secret.lower() not in logs, f"{secret!r} appeared in the logs"
        assert secret.lower() not in traffic, f"{secret!r} was sent to the broker"
