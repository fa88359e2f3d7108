"""The set-up file pages: what each role sees and may do, downloads, copies and new studies from a file."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from seeds.setup import dump_setup, import_setup, validate_setup
from seeds.tests.test_setup_file import small_setup
from studies.models import Role, Study
from studies.tests.factories import MembershipFactory, StudyFactory

pytestmark = pytest.mark.django_db
PERSONAS = ("owner", "researcher", "interviewer", "coder", "viewer")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def team() -> dict[str, User]:
    """A study set up from the small set-up file, with one member per role (the owner may create studies)."""
    creator = User.objects.create_user(email="creator@example.org", password=None, can_create_studies=True)
    study = import_setup(data=small_setup(), owner=creator, title="", slug="sleep")
    users = {"owner": creator}
    for role in PERSONAS[1:]:
        users[role] = MembershipFactory(study=study, role=role).user
    return users


def upload(content: bytes, name: str = "setup.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/yaml")


# The study's set-up file page -------------------------------------------------------------------------------------


def test_owners_see_the_download_and_the_copy_form_researchers_the_download_only(team: dict[str, User]) -> None:
    url = reverse("setup_files:study", args=["sleep"])
    owner_page = client_for(team["owner"]).get(url).content.decode()
    assert reverse("setup_files:export", args=["sleep"]) in owner_page
    assert f'action="{reverse("setup_files:clone", args=["sleep"])}"' in owner_page
    assert 'value="Copy of Sleep and chatbots"' in owner_page
    researcher_page = client_for(team["researcher"]).get(url)
    assert researcher_page.status_code == 200
    assert reverse("setup_files:export", args=["sleep"]) in researcher_page.content.decode()
    assert "<form" not in researcher_page.content.decode().split("<main", 1)[1]
    for role in ("interviewer", "coder", "viewer"):
        assert client_for(team[role]).get(url).status_code == 403


def test_the_study_page_links_to_the_set_up_file_for_owners_and_researchers_only(team: dict[str, User]) -> None:
    link = reverse("setup_files:study", args=["sleep"])
    for role in PERSONAS:
        shown = link in client_for(team[role]).get(reverse("studies:detail", args=["sleep"])).content.decode()
        assert shown == (role in ("owner", "researcher")), role


def test_an_outsider_does_not_learn_that_the_study_exists(team: dict[str, User]) -> None:
    outsider = MembershipFactory(study=StudyFactory(), role=Role.OWNER).user
    for name in ("setup_files:study", "setup_files:export"):
        assert client_for(outsider).get(reverse(name, args=["sleep"])).status_code == 404
    assert client_for(outsider).post(reverse("setup_files:clone", args=["sleep"]), {}).status_code == 404


# Export -----------------------------------------------------------------------------------------------------------


def test_the_download_is_a_valid_set_up_file_and_is_audited(team: dict[str, User]) -> None:
    response = client_for(team["researcher"]).get(reverse("setup_files:export", args=["sleep"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sleep-setup.yaml"'
    data = yaml.safe_load(response.content)
    assert validate_setup(data) == []
    assert data["safety"]["safety_contacts"] == [{"name": "Safety lead", "email": "lead@example.org"}]
    entry = AuditEntry.objects.get(action="study.setup_exported")
    assert (entry.study_id, entry.actor_id, entry.detail) == (
        Study.objects.get(slug="sleep").pk,
        team["researcher"].pk,
        {"version": 1},
    )
    assert client_for(team["viewer"]).get(reverse("setup_files:export", args=["sleep"])).status_code == 403


# Copy -------------------------------------------------------------------------------------------------------------


def test_an_owner_copies_the_study_and_becomes_the_owner_of_the_copy(team: dict[str, User]) -> None:
    response = client_for(team["owner"]).post(
        reverse("setup_files:clone", args=["sleep"]), {"title": "Sleep, second wave", "slug": "sleep-2"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("studies:detail", args=["sleep-2"])
    copy = Study.objects.get(slug="sleep-2")
    assert (copy.title, copy.status) == ("Sleep, second wave", Study.Status.DRAFT)
    assert list(copy.memberships.values_list("user_id", "role")) == [(team["owner"].pk, "owner")]
    assert copy.questionnaires.get(kind="screening").questions.count() == 4
    assert AuditEntry.objects.get(action="study.cloned").detail["source_study_id"] == Study.objects.get(slug="sleep").pk


def test_a_copy_to_a_taken_address_is_refused_keeping_what_was_typed(team: dict[str, User]) -> None:
    before = Study.objects.count()
    response = client_for(team["owner"]).post(
        reverse("setup_files:clone", args=["sleep"]), {"title": "Typed title", "slug": "sleep"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "data-error-summary" in page
    assert "Another study already uses this address" in page
    assert 'value="Typed title"' in page
    assert Study.objects.count() == before


def test_only_owners_who_may_create_studies_copy(team: dict[str, User], settings: Any) -> None:
    url = reverse("setup_files:clone", args=["sleep"])
    for role in ("researcher", "interviewer", "coder", "viewer"):
        assert client_for(team[role]).post(url, {"title": "X", "slug": "x"}).status_code == 403
    assert client_for(team["owner"]).get(url).status_code == 405
    settings.STUDY_CREATION = "allowed"
    User.objects.filter(pk=team["owner"].pk).update(can_create_studies=False)
    assert client_for(team["owner"]).post(url, {"title": "X", "slug": "x"}).status_code == 403
    page = client_for(team["owner"]).get(reverse("setup_files:study", args=["sleep"])).content.decode()
    assert url not in page
    assert not Study.objects.filter(slug="x").exists()


# A new study from a file ------------------------------------------------------------------------------------------


@pytest.fixture
def creator() -> User:
    return User.objects.create_user(email="lab@example.org", password=None, can_create_studies=True)


def test_a_new_study_is_made_from_an_uploaded_file(creator: User) -> None:
    response = client_for(creator).post(
        reverse("setup_files:import"),
        {"file": upload(dump_setup(small_setup()).encode()), "title": "", "slug": "from-file"},
    )
    assert response.status_code == 302
    study = Study.objects.get(slug="from-file")
    assert response["Location"] == reverse("studies:detail", args=["from-file"])
    assert study.title == "Sleep and chatbots"
    assert study.memberships.get().user == creator
    assert AuditEntry.objects.get(action="study.setup_imported").study_id == study.pk


def test_every_problem_of_a_file_is_listed_with_its_path_and_nothing_is_created(creator: User) -> None:
    data = small_setup()
    data["eligibility"][0]["key"] = "agee"
    data["codebook"]["codes"][0]["colour"] = "blue"
    response = client_for(creator).post(
        reverse("setup_files:import"), {"file": upload(dump_setup(data).encode()), "title": "Kept", "slug": "kept"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The file has 2 problems, listed below; no study was created." in page
    assert "eligibility[0].key: No screening question or derived value is called “agee”." in page
    assert "codebook.codes[0].colour: &#x27;blue&#x27; is not a colour of the form #RRGGBB." in page
    assert 'value="Kept"' in page
    assert not Study.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"format: [unclosed\n", "this is not valid YAML"),
        (b"a: &x 1\nb: *x\n", "anchors and aliases"),
        (b"#" * (1024 * 1024 + 1), "larger than 1 MB"),
        (b"just text", "Expected a mapping of names to values"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_reason(creator: User, content: bytes, message: str) -> None:
    response = client_for(creator).post(reverse("setup_files:import"), {"file": upload(content), "slug": ""})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Study.objects.exists()


def test_only_people_who_may_create_studies_see_and_use_the_upload(creator: User, settings: Any) -> None:
    settings.STUDY_CREATION = "allowed"
    member = MembershipFactory(study=StudyFactory(), role=Role.OWNER).user
    assert client_for(member).get(reverse("setup_files:import")).status_code == 403
    upload_link = reverse("setup_files:import")
    assert upload_link not in client_for(member).get(reverse("studies:list")).content.decode()
    assert upload_link in client_for(creator).get(reverse("studies:list")).content.decode()
    page = client_for(creator).get(upload_link)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    assert Client().get(upload_link).status_code == 302


def test_a_copy_of_a_set_up_the_checks_refuse_lists_what_to_fix_and_creates_nothing(team: dict[str, User]) -> None:
    # A language added after the questions were written: the builder would refuse them as they are now.
    Study.objects.filter(slug="sleep").update(languages=["en", "es", "hi"])
    before = Study.objects.count()
    response = client_for(team["owner"]).post(
        reverse("setup_files:clone", args=["sleep"]), {"title": "Copy", "slug": "copy"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot be copied until the problems listed below are fixed" in page
    assert "screening.questions[0].text.hi: " in page
    assert Study.objects.count() == before
