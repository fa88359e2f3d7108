"""The audit trail records who, what, when and from where, and owners read their study's trail (the keyed chain
itself: tests/test_audit_chain.py)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from accounts.audit import record_event
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
