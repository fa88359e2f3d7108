"""Creating a study, its settings and its status lifecycle, through the pages and the services; what each role
sees; bookings once a study has closed; public pages in languages Django does not know."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from accounts.tests.factories import UserFactory
from studies.models import Interview, Participant, Role, Study, StudyMembership
from studies.services.study_setup import (
    TRANSITIONS,
    LaunchRefused,
    StudySettings,
    StudySetupError,
    change_study_status,
    suggest_slug,
)
from studies.tests.factories import (
    ConsentDocumentFactory,
    MembershipFactory,
    ParticipantFactory,
    SlotFactory,
    StudyFactory,
    build_screening,
)
from studies.tests.test_launch_checklist import ready_study
from studies.tests.test_portal_and_consent import portal_client

pytestmark = pytest.mark.django_db
Status = Study.Status
FORM = {
    "title": "Night-time chatbot use",
    "slug": "",
    "languages": "en, ES, ara, haw",
    "target_sample_size": "24",
    "ethics_reference": "IRB-2031-044",
    "contact_email": "team@example.org",
    "raw_audio_retention_days": "30",
    "contact_retention_days": "180",
    "quota_stage": "consented",
    "video_call_base_url": "https://meet.example.org/",
    "description_en": "We talk about chatbots at night.",
}
DESCRIPTIONS = {
    "description_es": "Hablamos de chatbots por la noche.",
    "description_ar": "نتحدث عن روبوتات الدردشة",
    "description_haw": "",
}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def operator() -> User:
    return UserFactory(can_create_studies=True)


def member(study: Study, role: Role) -> User:
    return MembershipFactory(study=study, role=role).user


def settings_of(study: Study, **changes: Any) -> dict[str, Any]:
    """The settings form as the page shows it for `study`, with `changes`."""
    data = {key: value for key, value in FORM.items() if key != "slug"}
    data.update(languages=", ".join(study.languages), **{f"description_{code}": "" for code in study.languages})
    return {**data, **changes}


# --- Who may create a study ---------------------------------------------------------------------------------


def test_only_accounts_an_operator_allowed_may_create_studies_by_default() -> None:
    url = reverse("studies:create")
    assert client_for(UserFactory()).get(url).status_code == 403
    assert client_for(UserFactory()).post(url, {**FORM, **DESCRIPTIONS}).status_code == 403
    assert not Study.objects.exists()
    assert client_for(operator()).get(url).status_code == 200
    assert Client().get(url).status_code == 302


def test_with_study_creation_open_to_anyone_every_account_may(settings: Any) -> None:
    settings.STUDY_CREATION = "anyone"
    assert client_for(UserFactory()).get(reverse("studies:create")).status_code == 200


def test_the_study_list_offers_new_study_only_to_those_who_may_create_one() -> None:
    study = StudyFactory(status=Status.PAUSED)
    plain, allowed = member(study, Role.VIEWER), operator()
    MembershipFactory(study=study, user=allowed, role=Role.OWNER)
    new = reverse("studies:create")
    page = client_for(plain).get(reverse("studies:list")).content.decode()
    assert new not in page
    assert '<span class="badge status-paused">Paused</span>' in page
    assert new in client_for(allowed).get(reverse("studies:list")).content.decode()


# --- Creating ------------------------------------------------------------------------------------------------


def test_new_languages_first_get_a_description_box_then_the_study_is_created_as_a_draft() -> None:
    creator = operator()
    client = client_for(creator)
    first = client.post(reverse("studies:create"), FORM)
    page = first.content.decode()
    assert first.status_code == 200
    assert not Study.objects.exists()
    assert "A description box was added for: Spanish, Arabic, Hawaiian." in page
    assert 'name="description_ar"' in page
    assert 'dir="rtl"' in page
    assert "Description in Arabic (ar)" in page
    assert 'value="Night-time chatbot use"' in page  # what was typed stays
    response = client.post(reverse("studies:create"), {**FORM, **DESCRIPTIONS})
    study = Study.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("studies:checklist", args=[study.slug])
    assert (study.slug, study.status, study.languages) == ("night-time-chatbot-use", "draft", ["en", "es", "ar", "haw"])
    assert study.descriptions == {
        "en": "We talk about chatbots at night.",
        "es": "Hablamos de chatbots por la noche.",
        "ar": "نتحدث عن روبوتات الدردشة",
    }
    assert (study.target_sample_size, study.raw_audio_retention_days, study.contact_retention_days) == (24, 30, 180)
    assert (study.ethics_reference, study.contact_email) == ("IRB-2031-044", "team@example.org")
    assert StudyMembership.objects.get(study=study).role == Role.OWNER
    entry = AuditEntry.objects.get(action="study.created")
    assert (entry.actor_id, entry.study_id, entry.detail) == (creator.id, study.id, {"languages": study.languages})


def test_a_refused_form_keeps_what_was_typed_and_lists_every_problem() -> None:
    response = client_for(operator()).post(
        reverse("studies:create"),
        {**FORM, **DESCRIPTIONS, "languages": "en, xx, klingon", "target_sample_size": "0", "slug": "new"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert not Study.objects.exists()
    assert 'class="error-summary"' in page
    assert "Not a language code: xx, klingon." in page
    assert '<a href="#id_target_sample_size">' in page
    assert "This address is reserved; choose another." in page
    assert 'value="en, xx, klingon"' in page


def test_a_taken_address_is_refused_and_a_suggested_one_is_free() -> None:
    StudyFactory(slug="night-time-chatbot-use")
    response = client_for(operator()).post(
        reverse("studies:create"), {**FORM, **DESCRIPTIONS, "slug": "Night-Time-Chatbot-Use"}
    )
    assert response.status_code == 400
    assert "Another study already uses this address; choose another." in response.content.decode()
    assert suggest_slug("Night-time chatbot use") == "night-time-chatbot-use-2"
    assert suggest_slug("¿Qué?") == "que"
    assert suggest_slug("नमस्ते") == "study"


def test_meeting_links_must_use_https() -> None:
    response = client_for(operator()).post(
        reverse("studies:create"), {**FORM, **DESCRIPTIONS, "video_call_base_url": "http://meet.example.org/"}
    )
    assert response.status_code == 400
    assert "Use an https:// address" in response.content.decode()


# --- Settings ------------------------------------------------------------------------------------------------


def test_an_owner_changes_the_settings_and_the_audit_names_the_fields_only() -> None:
    study = StudyFactory(status=Status.DRAFT, languages=["en", "es"])
    owner = member(study, Role.OWNER)
    data = settings_of(study, languages="en, es, fa", target_sample_size="40", description_es="Hola", description_fa="")
    response = client_for(owner).post(reverse("studies:settings", args=[study.slug]), data)
    assert response.status_code == 302
    study.refresh_from_db()
    assert (study.languages, study.target_sample_size, study.descriptions["es"]) == (["en", "es", "fa"], 40, "Hola")
    assert study.slug.startswith("study-")  # the address never changes
    entry = AuditEntry.objects.get(action="study.updated")
    assert entry.actor_id == owner.id
    assert "languages" in entry.detail["fields"]
    assert "target_sample_size" in entry.detail["fields"]
    assert "Hola" not in str(entry.detail)


def test_a_language_still_used_by_consent_or_participants_cannot_be_removed() -> None:
    study = StudyFactory(status=Status.DRAFT, languages=["en", "es", "hi"])
    ConsentDocumentFactory(study=study, language="es", version=1)
    ParticipantFactory(study=study, language="hi")
    owner = member(study, Role.OWNER)
    response = client_for(owner).post(
        reverse("studies:settings", args=[study.slug]), settings_of(study, languages="en")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Spanish (es) is used by 1 consent document" in page
    assert "Hindi (hi) is used by 1 participant" in page
    study.refresh_from_db()
    assert study.languages == ["en", "es", "hi"]
    assert not AuditEntry.objects.filter(action="study.updated").exists()


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.INTERVIEWER, Role.CODER, Role.VIEWER])
def test_other_members_read_the_settings_without_a_form_and_cannot_post(role: Role) -> None:
    study = StudyFactory(
        status=Status.DRAFT, languages=["en", "ar"], descriptions={"ar": "وصف"}, ethics_reference="E-1"
    )
    client = client_for(member(study, role))
    url = reverse("studies:settings", args=[study.slug])
    page = client.get(url).content.decode()
    assert "E-1" in page
    assert "Arabic (ar)" in page
    assert '<p lang="ar" dir="rtl">وصف</p>' in page
    assert 'name="title"' not in page
    assert reverse("studies:status", args=[study.slug]) not in page
    assert client.post(url, settings_of(study, title="Renamed")).status_code == 403
    study.refresh_from_db()
    assert study.title != "Renamed"


def test_the_owner_sees_the_form_and_the_status_buttons() -> None:
    study = StudyFactory(status=Status.RECRUITING)
    page = client_for(member(study, Role.OWNER)).get(reverse("studies:settings", args=[study.slug])).content.decode()
    assert 'name="title"' in page
    assert "Pause recruiting" in page
    assert "Close the study" in page
    assert "Archive the study" not in page


def test_an_archived_study_refuses_changes_to_its_settings() -> None:
    study = StudyFactory(status=Status.ARCHIVED, title="Kept as it was")
    client = client_for(member(study, Role.OWNER))
    url = reverse("studies:settings", args=[study.slug])
    assert 'name="title"' not in client.get(url).content.decode()
    response = client.post(url, settings_of(study, title="Changed"), follow=True)
    assert "This study is archived: its set-up can no longer be changed." in response.content.decode()
    study.refresh_from_db()
    assert study.title == "Kept as it was"


# --- Status --------------------------------------------------------------------------------------------------


def test_recruiting_cannot_start_while_the_checklist_has_gaps_and_the_refusal_says_what_is_missing() -> None:
    study = StudyFactory(status=Status.DRAFT)
    client = client_for(member(study, Role.OWNER))
    response = client.post(reverse("studies:status", args=[study.slug]), {"to": "recruiting", "next": "checklist"})
    assert response["Location"] == reverse("studies:checklist", args=[study.slug])
    page = client.get(response["Location"]).content.decode()
    assert "Recruiting cannot start yet. Missing: Screening questionnaire; Eligibility rules; Consent form;" in page
    study.refresh_from_db()
    assert study.status == Status.DRAFT
    assert not AuditEntry.objects.filter(action="study.status_changed").exists()
    with pytest.raises(LaunchRefused) as refused:
        change_study_status(study=study, to=Status.RECRUITING, user=study.memberships.get().user)
    assert refused.value.missing[:2] == ["screening", "eligibility"]


def test_a_ready_study_goes_through_its_whole_life_with_each_move_audited() -> None:
    study = ready_study()
    owner = member(study, Role.OWNER)
    client = client_for(owner)
    url = reverse("studies:status", args=[study.slug])
    for to in ("recruiting", "paused", "recruiting", "closed"):
        assert client.post(url, {"to": to}).status_code == 302
    study.refresh_from_db()
    assert (study.status, study.closed_at is not None) == (Status.CLOSED, True)
    closed_at = study.closed_at
    client.post(url, {"to": "archived"})
    client.post(url, {"to": "closed"})  # out of the archive: it closed when it closed
    study.refresh_from_db()
    assert (study.status, study.closed_at) == (Status.CLOSED, closed_at)
    client.post(url, {"to": "recruiting"})  # reopened
    study.refresh_from_db()
    assert (study.status, study.closed_at) == (Status.RECRUITING, None)
    moves = [(e.detail["from"], e.detail["to"]) for e in AuditEntry.objects.filter(action="study.status_changed")]
    assert moves == [
        ("draft", "recruiting"),
        ("recruiting", "paused"),
        ("paused", "recruiting"),
        ("recruiting", "closed"),
        ("closed", "archived"),
        ("archived", "closed"),
        ("closed", "recruiting"),
    ]
    assert {entry.actor_id for entry in AuditEntry.objects.filter(action="study.status_changed")} == {owner.id}


def test_every_move_outside_the_graph_is_refused_and_changes_nothing() -> None:
    study = ready_study()
    owner = member(study, Role.OWNER)
    for current, to in itertools.product(Status.values, repeat=2):
        if to in TRANSITIONS[current]:
            continue
        Study.objects.filter(pk=study.pk).update(status=current)
        with pytest.raises(StudySetupError):
            change_study_status(study=study, to=to, user=owner)
        study.refresh_from_db()
        assert study.status == current
    assert not AuditEntry.objects.filter(action="study.status_changed").exists()


def test_a_refused_move_says_where_the_study_can_go() -> None:
    study = StudyFactory(status=Status.DRAFT)
    client = client_for(member(study, Role.OWNER))
    response = client.post(reverse("studies:status", args=[study.slug]), {"to": "paused"}, follow=True)
    assert "A study that is draft cannot become paused; from here it can become: archived, recruiting." in (
        response.content.decode()
    )


def test_only_owners_change_the_status_and_an_unknown_status_is_a_bad_request() -> None:
    study = ready_study()
    url = reverse("studies:status", args=[study.slug])
    assert client_for(member(study, Role.RESEARCHER)).post(url, {"to": "recruiting"}).status_code == 403
    assert client_for(member(study, Role.OWNER)).post(url, {"to": "launched"}).status_code == 400
    study.refresh_from_db()
    assert study.status == Status.DRAFT


# --- The study page ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.VIEWER])
def test_the_study_page_has_a_set_up_section_with_the_checklist_summary(role: Role) -> None:
    study = ready_study()
    study.raw_audio_retention_days = None
    study.save()
    page = client_for(member(study, role)).get(reverse("studies:detail", args=[study.slug])).content.decode()
    assert "<h2>Set-up</h2>" in page
    assert "6 of 7 ready" in page
    every = ("checklist", "settings", "team", "questionnaires", "consent_setup", "quotas", "safety_setup", "guide")
    for name in every:  # every member reads the whole set-up
        assert reverse(f"studies:{name}", args=[study.slug]) in page


# --- Participants once the study closes ---------------------------------------------------------------------


@pytest.mark.parametrize(("status", "open_"), [(Status.RECRUITING, True), (Status.PAUSED, True),
                                               (Status.CLOSED, False), (Status.ARCHIVED, False)])  # fmt: skip
def test_new_bookings_are_refused_once_the_study_is_closed(status: str, open_: bool) -> None:
    study = StudyFactory(status=status)
    slot = SlotFactory(study=study)
    participant = ParticipantFactory(study=study, status=Participant.Status.CONSENTED)
    client = portal_client(participant)
    home = client.get(reverse("participate:portal")).content.decode()
    assert (reverse("participate:portal_book") in home) is open_  # no invitation to book once it is closed
    page = client.get(reverse("participate:portal_book")).content.decode()
    assert ("This study has closed and is not booking new interviews." in page) is not open_
    response = client.post(reverse("participate:portal_book"), {"slot": slot.id, "tz": "UTC"})
    assert response.status_code == (302 if open_ else 409)
    assert Interview.objects.filter(participant=participant).exists() is open_
    assert client.get(reverse("participate:portal_withdraw")).status_code == 200  # withdrawal stays open


def test_public_pages_work_in_a_language_django_does_not_know() -> None:
    study = StudyFactory(status=Status.RECRUITING, languages=["en", "am", "haw"])
    build_screening(study)
    page = Client().get(reverse("participate:screening", args=[study.slug])).content.decode()
    assert '<option value="am" lang="am">Amharic</option>' in page
    assert '<option value="haw" lang="haw">Hawaiian</option>' in page


def test_study_settings_keep_descriptions_only_for_the_study_languages() -> None:
    values = StudySettings(title="T", languages=["en"], descriptions={"en": "Hello", "es": "Hola"})
    assert values.as_fields()["descriptions"] == {"en": "Hello"}
