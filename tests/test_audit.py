"""The audit trail is hash-chained: verification passes, and detects a deleted and an edited entry."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.utils import timezone

from accounts.audit import record_event, verify_chain
from accounts.models import AuditEntry, User
from studies.models import Study

pytestmark = pytest.mark.django_db


def write_three(study: Study, owner: User) -> list[AuditEntry]:
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    request.user = owner
    return [
        record_event(action="transcript.raw.view", request=request, study_id=study.id, target=study),
        record_event(action="contact.view", actor=owner, study_id=study.id, detail={"participant": "P-0001"}),
        record_event(action="export.create", actor_label="system", study_id=study.id),
    ]


def test_entries_record_who_what_when_and_from_where(study: Study, owner: User) -> None:
    first = write_three(study, owner)[0]
    assert first.actor == owner
    assert first.actor_label == f"user:{owner.pk}"
    assert first.ip_address == "203.0.113.7"
    assert first.target_type == "studies.study"
    assert first.target_id == str(study.pk)


def test_an_intact_chain_verifies(study: Study, owner: User) -> None:
    write_three(study, owner)
    assert verify_chain() == []
    call_command("verify_audit_log")


def test_it_detects_a_deleted_entry(study: Study, owner: User) -> None:
    entries = write_three(study, owner)
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    problems = verify_chain()
    assert [problem.entry_id for problem in problems] == [entries[2].pk]
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit_log")


def test_it_detects_an_edited_entry(study: Study, owner: User) -> None:
    entries = write_three(study, owner)
    AuditEntry.objects.filter(pk=entries[0].pk).update(action="nothing.to.see")
    problems = verify_chain()
    assert problems[0].entry_id == entries[0].pk
    assert problems[0].reason == "the entry was edited"


def test_owners_read_and_export_their_studys_audit_trail_and_nobody_else_does(
    study: Study, owner: User, researcher: User, outsider: User
) -> None:
    from django.test import Client
    from django.urls import reverse

    write_three(study, owner)
    record_event(action="elsewhere", actor_label="system", study_id=study.pk + 1000)
    url = reverse("studies:audit", args=[study.slug])
    client = Client()
    client.force_login(owner)
    page = client.get(url).content.decode()
    assert "transcript.raw.view" in page
    assert "elsewhere" not in page
    export = client.get(url, {"format": "csv"})
    body = export.content.decode()
    assert body.splitlines()[0].startswith("at,actor_label,action")
    assert "contact.view" in body
    assert AuditEntry.objects.filter(action="audit.read", actor=owner).count() == 2
    for other, status in ((researcher, 403), (outsider, 404)):
        client.force_login(other)
        assert client.get(url).status_code == status


def test_the_database_function_and_the_python_path_chain_alike(study: Study, owner: User) -> None:
    from accounts import audit

    for number in range(4):
        entry = AuditEntry(at=timezone.now(), actor=owner, actor_label="x", action=f"step.{number}", study_id=study.pk)
        if number % 2:
            audit._append_with_sql(entry, audit._fields_digest(entry))
        else:
            audit._append_many([entry])
    stored = list(AuditEntry.objects.order_by("id"))
    assert [entry.action for entry in stored] == ["step.0", "step.1", "step.2", "step.3"]
    assert [entry.previous_hash for entry in stored[1:]] == [entry.entry_hash for entry in stored[:-1]]
    assert verify_chain() == []


def test_entries_hashed_the_way_they_were_before_the_database_function_still_verify(study: Study) -> None:
    from accounts import audit

    old = AuditEntry(at=timezone.now(), actor_label="system", action="legacy", previous_hash=audit.GENESIS)
    old.entry_hash = audit._legacy_hash(old)
    old.save()
    record_event(action="after.upgrade", actor_label="system", study_id=study.pk)
    assert verify_chain() == []
    AuditEntry.objects.filter(pk=old.pk).update(action="forged")
    assert [problem.entry_id for problem in verify_chain()] == [old.pk]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain(study: Study) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def write(worker: int) -> None:
        try:
            for number in range(15):
                record_event(action="api.token.used", actor_label=f"worker:{worker}", detail={"n": number})
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(write, range(6)))
    assert AuditEntry.objects.filter(action="api.token.used").count() == 90
    assert verify_chain() == []
