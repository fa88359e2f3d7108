"""Tasks reach the broker only after the transaction that asked for them commits."""

from __future__ import annotations

import base64
import json

import pytest
import redis
from django.db import transaction

from accounts.tests.factories import UserFactory
from studies import services
from studies.models import Role, StudyMembership
from studies.tests.factories import StudyFactory


class Rollback(Exception):
    pass


@pytest.fixture
def empty_default_queue(redis_client: redis.Redis) -> redis.Redis:
    redis_client.delete("default")
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
    assert empty_default_queue.llen("default") == 0


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_sends_one_message_carrying_only_an_id(empty_default_queue: redis.Redis) -> None:
    study, newcomer = StudyFactory(), UserFactory()
    membership = services.set_member_role(study=study, user=newcomer, role=Role.CODER)
    assert empty_default_queue.llen("default") == 1
    raw = empty_default_queue.lpop("default")
    assert isinstance(raw, bytes)
    envelope = json.loads(raw)
    assert envelope["headers"]["task"] == "studies.tasks.send_membership_email"
    args = json.loads(base64.b64decode(envelope["body"]))[0]
    assert args == [membership.id]
    assert newcomer.email not in raw.decode()


@pytest.mark.django_db
def test_enqueueing_waits_for_commit(django_capture_on_commit_callbacks: object) -> None:
    study, newcomer = StudyFactory(), UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        services.set_member_role(study=study, user=newcomer, role=Role.VIEWER)
    assert len(callbacks) == 1
