from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from coding.models import Code
from coding.refi import validation_errors
from coding.services import CodeDraft, add_code
from studies.models import Study

SAMPLES = Path(__file__).resolve().parent / "samples"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_outsiders_get_404_and_coders_may_read_but_not_change(study: Study, outsider: User, coder: User) -> None:
    url = reverse("coding:codebook", kwargs={"slug": study.slug})
    assert _client(outsider).get(url).status_code == 404
    assert _client(coder).get(url).status_code == 200
    add = reverse("coding:code_add", kwargs={"slug": study.slug})
    assert _client(coder).post(add, {"name": "Trust", "is_codable": "on"}).status_code == 403
    assert not Code.objects.exists()


def test_a_researcher_adds_a_nested_code_and_sees_it(study: Study, researcher: User) -> None:
    parent = add_code(study=study, actor=researcher, draft=CodeDraft(name="Roles"))
    client = _client(researcher)
    response = client.post(
        reverse("coding:code_add", kwargs={"slug": study.slug}),
        {"name": "Listener", "parent": parent.pk, "colour": "#00aa00", "is_codable": "on"},
        follow=True,
    )
    assert response.status_code == 200
    assert Code.objects.get(name="Listener").parent == parent
    assert "Listener" in response.content.decode()


def test_a_clashing_name_is_explained_and_nothing_is_saved(study: Study, researcher: User) -> None:
    add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust"))
    response = _client(researcher).post(
        reverse("coding:code_add", kwargs={"slug": study.slug}), {"name": "Trust", "is_codable": "on"}
    )
    assert response.status_code == 400
    assert "already a code named" in response.content.decode()
    assert Code.objects.filter(study=study).count() == 1


def test_the_qdc_export_is_valid_and_audited(study: Study, researcher: User, viewer: User) -> None:
    add_code(study=study, actor=researcher, draft=CodeDraft(name="Trust", definition="Relying on it"))
    response = _client(viewer).get(reverse("coding:export", kwargs={"slug": study.slug, "fmt": "qdc"}))
    assert response.status_code == 200
    assert validation_errors(response.content, "codebook") == []
    assert response["Content-Disposition"].endswith('-codebook.qdc"')
    assert AuditEntry.objects.filter(action="codebook.exported", study_id=study.id).exists()


def test_the_csv_export_is_utf8_csv(study: Study, researcher: User) -> None:
    add_code(study=study, actor=researcher, draft=CodeDraft(name="सलाह"))
    response = _client(researcher).get(reverse("coding:export", kwargs={"slug": study.slug, "fmt": "csv"}))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "सलाह" in response.content.decode("utf-8")


def test_importing_a_qdc_file_adds_its_codes(study: Study, researcher: User) -> None:
    upload = SimpleUploadedFile("nvivo.qdc", (SAMPLES / "refi_spec_example.qdc").read_bytes())
    response = _client(researcher).post(
        reverse("coding:import", kwargs={"slug": study.slug}), {"file": upload}, follow=True
    )
    assert "6 new codes" in response.content.decode()
    assert Code.objects.filter(study=study).count() == 6
    assert AuditEntry.objects.filter(action="codebook.imported", study_id=study.id).exists()


def test_a_broken_import_says_why_and_saves_nothing(study: Study, researcher: User) -> None:
    upload = SimpleUploadedFile("broken.qdc", b"<CodeBook><Codes>")
    response = _client(researcher).post(
        reverse("coding:import", kwargs={"slug": study.slug}), {"file": upload}, follow=True
    )
    assert "not well-formed" in response.content.decode()
    assert not Code.objects.filter(study=study).exists()


def test_merging_and_deleting_from_the_edit_page(study: Study, researcher: User) -> None:
    source = add_code(study=study, actor=researcher, draft=CodeDraft(name="Comfort"))
    target = add_code(study=study, actor=researcher, draft=CodeDraft(name="Support"))
    client = _client(researcher)
    assert client.get(reverse("coding:code_edit", kwargs={"slug": study.slug, "guid": source.guid})).status_code == 200
    client.post(reverse("coding:code_merge", kwargs={"slug": study.slug, "guid": source.guid}), {"target": target.pk})
    assert list(Code.objects.filter(study=study).values_list("name", flat=True)) == ["Support"]
    client.post(reverse("coding:code_delete", kwargs={"slug": study.slug, "guid": target.guid}))
    assert not Code.objects.filter(study=study).exists()
