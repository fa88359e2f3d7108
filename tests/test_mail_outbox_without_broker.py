"""With the broker dead, people (participants booking, signing, answering a risk item; the team inviting a
participant or a colleague) still see their action succeed and every e-mail it owes waits in the outbox; with
the broker back, the sweep hands them over and each is sent exactly once.

A private redis-server on a free port is the broker (and cache) and is killed with SIGKILL. Celery's app reads its
broker URL once and keeps a producer pool for it, so the fixture sets `app.conf.broker_url` and drops the app's
cached producer pool (`app.amqp._producer_pool`): the next publish opens a pool for the new URL. The SMTP server
is Django's locmem backend (the one thing mocked).
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator

import pytest
import redis
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.models import User
from config.celery import app
from studies.models import ContactDetails, OutboxMessage, Participant, Role, SafetyContact, Study
from studies.services import outbox
from studies.services.emails import deliver_message
from studies.tests.factories import MembershipFactory, ParticipantFactory, SlotFactory, StudyFactory, build_screening
from studies.tests.test_portal_and_consent import document, portal_client, sign
from studies.tests.test_screening import submit
from tests.faultkit import private_redis

__all__ = ["private_redis"]
Kind, Status = OutboxMessage.Kind, OutboxMessage.Status
NORMAL_MAIL = "default\x06\x166"  # kombu's list for priority 6; "default" holds priority 0 (safety alerts)


def point_broker_at(url: str) -> None:
    app.conf.broker_url = url  # type: ignore[misc]  # celery-types calls it read-only; Celery allows it
    app.amqp._producer_pool = None  # type: ignore[attr-defined]  # the old URL's pool; a new one on next publish


@pytest.fixture
def shared_broker(settings: SettingsWrapper) -> str:
    """The test run's broker URL, read before private_redis replaces the setting (the app may read it lazily)."""
    return str(settings.CELERY_BROKER_URL)


@pytest.fixture
def dead_broker(shared_broker: str, private_redis: tuple[str, subprocess.Popen[bytes]]) -> Iterator[str]:
    """The broker pointed at the private server, then killed; yields the URL of the shared test broker."""
    url, server = private_redis
    before = shared_broker
    point_broker_at(url)
    server.kill()
    server.wait(10)
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    yield before
    point_broker_at(before)


def person(study: Study, status: str, email: str) -> Participant:
    participant = ParticipantFactory(study=study, status=status)
    ContactDetails.objects.create(participant=participant, email=email)
    return participant


def published_ids(client: redis.Redis) -> list[int]:
    """The message ids on the default queue, urgent list first (the order a worker takes them)."""
    ids = []
    for key in ("default", NORMAL_MAIL):
        while (raw := client.rpop(key)) is not None:
            assert isinstance(raw, bytes)
            ids.append(json.loads(base64.b64decode(json.loads(raw)["body"]))[0][0])
    return ids


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_actions_succeed_and_their_mail_goes_out_once_when_it_is_back(
    dead_broker: str,
) -> None:
    study = StudyFactory()
    SafetyContact.objects.create(study=study, name="Safety lead", email="safety@example.org")
    owner: User = MembershipFactory(study=study, role=Role.OWNER).user
    document(study)
    build_screening(study)
    booker = person(study, Participant.Status.CONSENTED, "booker@example.org")
    signer = person(study, Participant.Status.INVITED, "signer@example.org")
    chosen = person(study, Participant.Status.ELIGIBLE, "chosen@example.org")

    booking = portal_client(booker).post(reverse("participate:portal_book"), {"slot": SlotFactory(study=study).id})
    signing = sign(portal_client(signer))
    team = Client()
    team.force_login(owner)
    inviting = team.post(reverse("studies:select", args=[study.slug]), {"participant": [chosen.id]})
    colleague = team.post(
        reverse("studies:team", args=[study.slug]), {"email": "new.coder@example.org", "role": "coder"}
    )
    risk = submit(Client(), study, q_crisis="yes")
    answers = (booking, signing, inviting, colleague, risk)
    assert [r.status_code for r in answers] == [302] * 5  # type: ignore[union-attr]
    queued = OutboxMessage.objects.order_by("id")
    kinds = {Kind.BOOKING_CONFIRMATION, Kind.CONSENT_COPY, Kind.INVITATION, Kind.TEAM_INVITATION, Kind.SAFETY_ALERT}
    assert set(queued.values_list("kind", flat=True)) == kinds
    assert set(queued.values_list("status", "attempts")) == {(Status.PENDING, 0)}
    assert mail.outbox == []

    point_broker_at(dead_broker)  # the broker is back
    client = redis.Redis.from_url(dead_broker)
    client.delete("default", NORMAL_MAIL)
    later = timezone.now() + outbox.RESEND_AFTER
    assert outbox.sweep_outbox(now=later).resent == 5
    ids = published_ids(client)
    assert ids[0] == queued.get(kind=Kind.SAFETY_ALERT).id  # first in line
    assert sorted(ids) == sorted(queued.values_list("id", flat=True))
    for message_id in ids + ids:  # each delivered twice, as a re-delivering broker would
        deliver_message(message_id=message_id)
    assert outbox.sweep_outbox(now=later + outbox.RESEND_AFTER).resent == 0
    assert sorted(m.to[0] for m in mail.outbox) == [
        "booker@example.org",
        "chosen@example.org",
        "new.coder@example.org",
        "safety@example.org",
        "signer@example.org",
    ]
    assert set(queued.values_list("status", flat=True)) == {Status.SENT}
