"""The exports page lists the study's exports; deleting one is a POST for owners and researchers, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from exports.models import ExportJob
from exports.tests.kit import built
from studies.models import Study
from tests.exportkit import make_transcript

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(study: Study, owner: User) -> ExportJob:
    make_transcript(study)
    return built(study, owner)[0]


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_lists_who_asked_when_how_large_and_until_when(
    study: Study, ready: ExportJob, owner: User, researcher: User
) -> None:
    owner.display_name = "Dr Asha Rao"
    owner.save(update_fields=["display_name"])

    page = signed_in(researcher).get(reverse("exports:page", args=[study.slug])).content.decode()

    assert "Dr Asha Rao" in page
    assert ready.size_bytes is not None
    assert filesizeformat(ready.size_bytes) in page
    assert "Ready" in page
    assert reverse("exports:delete", args=[study.slug, ready.pk]) in page
    assert f"?export={ready.pk}" not in page  # only its requester gets a download link


@pytest.mark.parametrize("role", ["owner", "researcher"])
def test_a_manager_deletes_an_export_and_its_file_goes(
    study: Study,
    ready: ExportJob,
    role: str,
    request: pytest.FixtureRequest,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    manager = request.getfixturevalue(role)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(manager).post(reverse("exports:delete", args=[study.slug, ready.pk]))

    assert response.status_code == 302
    assert not default_storage.exists(f"exports/{study.pk}/job-{ready.pk}.zip")
    ready.refresh_from_db()
    assert (ready.state, ready.storage_name) == (ExportJob.State.DELETED, "")
    entry = AuditEntry.objects.get(action="export.deleted")
    assert (entry.actor, entry.study_id, entry.target_id) == (manager, study.pk, str(ready.pk))
    assert entry.detail == {"kind": "archive"}  # ids and codes only


@pytest.mark.parametrize("role", ["viewer", "coder", "interviewer"])
def test_deleting_is_refused_to_other_roles_and_the_file_stays(
    study: Study, ready: ExportJob, role: str, request: pytest.FixtureRequest
) -> None:
    client = signed_in(request.getfixturevalue(role))

    assert client.post(reverse("exports:delete", args=[study.slug, ready.pk])).status_code == 403

    ready.refresh_from_db()
    assert ready.state == ExportJob.State.SUCCEEDED
    assert default_storage.exists(ready.storage_name)
    assert not AuditEntry.objects.filter(action="export.deleted").exists()


def test_an_export_of_another_study_cannot_be_deleted_through_this_one(
    study: Study, ready: ExportJob, outsider: User
) -> None:
    other = outsider.memberships.get().study  # the outsider owns another study
    response = signed_in(outsider).post(reverse("exports:delete", args=[other.slug, ready.pk]))

    assert response.status_code == 404
    ready.refresh_from_db()
    assert ready.state == ExportJob.State.SUCCEEDED


def test_a_deleted_export_can_no_longer_be_downloaded(study: Study, ready: ExportJob, owner: User) -> None:
    client = signed_in(owner)
    status = client.get(reverse("exports:status", args=[study.slug, ready.pk])).json()
    client.post(reverse("exports:delete", args=[study.slug, ready.pk]))

    assert client.get(status["download_url"]).status_code == 404
    assert client.get(reverse("exports:status", args=[study.slug, ready.pk])).json()["status"] == "deleted"
