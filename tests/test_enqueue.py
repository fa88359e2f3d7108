"""Tasks reach the broker only after the transaction that asked for them commits."""

from __future__ import annotations

import base64
import json

import pytest
import redis
from django.db import transaction

from accounts.tests.factories import UserFactory
from studies import services
from studies.models import OutboxMessage, Role, StudyMembership
from studies.tests.factories import StudyFactory

# kombu's Redis transport keeps one list per priority step: "default" for 0 (served first: safety alerts),
# "default\x06\x166" for 6 (other mail; studies.services.outbox.NORMAL_PRIORITY).
NORMAL_MAIL = "default\x06\x166"


class Rollback(Exception):
    pass


@pytest.fixture
def empty_default_queue(redis_client: redis.Redis) -> redis.Redis:
    redis_client.delete("default", NORMAL_MAIL)
    return redis_client


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_inside_a_rolled_back_transaction_is_never_sent(empty_default_queue: redis.Redis) -> None:
    study, newcomer = StudyFactory(), UserFactory()

    def change_then_fail() -> None:
        with transaction.atomic():
            services.set_member_role(study=study, user=newcomer, role=Role.CODER)
            raise Rollback

    with pytest.raises(Rollback):
        change_then_fail()
    assert not StudyMembership.objects.filter(user=newcomer).exists()
    assert not OutboxMessage.objects.exists()
    assert empty_default_queue.llen("default") == empty_default_queue.llen(NORMAL_MAIL) == 0


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_sends_one_message_carrying_only_an_id(empty_default_queue: redis.Redis) -> None:
    study, newcomer = StudyFactory(), UserFactory()
    membership = services.set_member_role(study=study, user=newcomer, role=Role.CODER)
    message = OutboxMessage.objects.get(membership=membership)
    assert message.kind == OutboxMessage.Kind.MEMBERSHIP
    assert empty_default_queue.llen(NORMAL_MAIL) == 1
    raw = empty_default_queue.lpop(NORMAL_MAIL)
    assert isinstance(raw, bytes)
    envelope = json.loads(raw)
    assert envelope["headers"]["task"] == "studies.tasks.send_outbox_message"
    args = json.loads(base64.b64decode(envelope["body"]))[0]
    assert args == [message.id]
    assert newcomer.email not in raw.decode()


@pytest.mark.django_db
def test_enqueueing_waits_for_commit(django_capture_on_commit_callbacks: object) -> None:
    study, newcomer = StudyFactory(), UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        services.set_member_role(study=study, user=newcomer, role=Role.VIEWER)
    assert len(callbacks) == 1
