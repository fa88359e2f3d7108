"""Requests that hand work to the broker answer quickly and successfully when the broker is frozen or dead, and the
work still happens, once, when it is back.

A frozen Redis (SIGSTOP) accepts connections and answers nothing: without a read time-out a booking's publish would
hold the request (and a server thread) forever. A dead one refuses connections: an export request must still say
"queued", and the hourly sweep must send the build once the broker is back. The broker is a private redis-server
that the test freezes or kills (tests/faultkit.py); the mail server is Django's locmem backend.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
from datetime import timedelta

import pytest
import redis
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.models import User
from exports.models import ExportJob
from exports.services.jobs import run_export
from exports.tasks import delete_expired_exports
from studies.models import OutboxMessage, Participant, Role
from studies.services import outbox
from studies.services.emails import deliver_message
from studies.tests.factories import MembershipFactory, SlotFactory, StudyFactory
from studies.tests.test_portal_and_consent import portal_client
from tests.faultkit import frozen, private_redis
from tests.test_mail_outbox_without_broker import (
    NORMAL_MAIL,
    dead_broker,
    person,
    point_broker_at,
    published_ids,
    shared_broker,
)

__all__ = ["dead_broker", "private_redis", "shared_broker"]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]


def test_a_booking_answers_within_the_broker_time_outs_while_redis_is_frozen_and_its_mail_goes_out_once_later(
    shared_broker: str, private_redis: tuple[str, subprocess.Popen[bytes]], settings: SettingsWrapper
) -> None:
    url, server = private_redis
    study = StudyFactory()
    booker = person(study, Participant.Status.CONSENTED, "booker@example.org")
    slot = SlotFactory(study=study)
    client = portal_client(booker)
    point_broker_at(url)
    try:
        with frozen(server):
            started = time.monotonic()
            response = client.post(reverse("participate:portal_book"), {"slot": slot.id})
            took = time.monotonic() - started
    finally:
        point_broker_at(shared_broker)
    assert response.status_code == 302
    # One publish try and one retry, each cut off by the socket's read time-out, plus room for a loaded machine.
    assert took < 2 * settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"] + 4
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.BOOKING_CONFIRMATION)
    assert (message.status, message.attempts) == (OutboxMessage.Status.PENDING, 0)

    broker = redis.Redis.from_url(shared_broker)
    broker.delete("default", NORMAL_MAIL)
    assert outbox.sweep_outbox(now=timezone.now() + outbox.RESEND_AFTER).resent == 1
    ids = published_ids(broker)
    for message_id in ids + ids:  # delivered twice, as a re-delivering broker would
        deliver_message(message_id=message_id)
    assert [m.to for m in mail.outbox] == [["booker@example.org"]]


def test_an_export_asked_for_while_the_broker_is_dead_is_queued_then_built_once_after_it_returns(
    dead_broker: str,
) -> None:
    study = StudyFactory()
    owner: User = MembershipFactory(study=study, role=Role.OWNER).user
    client = Client()
    client.force_login(owner)
    started = time.monotonic()
    response = client.post(reverse("exports:start", args=[study.slug]), {"kind": ExportJob.Kind.ARCHIVE})
    assert time.monotonic() - started < 5  # a refused connection fails at once; no publish back-off to wait out
    job = ExportJob.objects.get(study=study)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?export={job.pk}")  # the page that shows the export's progress
    assert job.state == ExportJob.State.QUEUED

    point_broker_at(dead_broker)  # the broker is back; the hourly sweep finds the export whose message was lost
    broker = redis.Redis.from_url(dead_broker)
    broker.delete("default")
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    delete_expired_exports()
    sent = [json.loads(base64.b64decode(json.loads(raw)["body"]))[0][0] for raw in broker.lrange("default", 0, -1)]
    assert sent == [job.pk]
    run_export(job.pk)
    built = ExportJob.objects.values().get(pk=job.pk)
    run_export(job.pk)  # a duplicated message builds nothing more
    assert ExportJob.objects.values().get(pk=job.pk) == built
    assert built["state"] == ExportJob.State.SUCCEEDED
