"""The safety set-up page: a study's own crisis resources, its safety contacts, and the participant preview."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from studies.models import CrisisResource, EligibilityRule, Role, SafetyContact, Stratum, Study
from studies.services.questionnaires import QuestionnaireError, edit_rule
from studies.services.quota_setup import QuotaSetupError, StratumDraft, create_stratum
from studies.tests.factories import (
    CrisisResourceFactory,
    MembershipFactory,
    SafetyContactFactory,
    build_screening,
)
from studies.tests.mailkit import send_queued
from studies.tests.test_screening import submit

pytestmark = pytest.mark.django_db

READERS = (Role.INTERVIEWER, Role.CODER, Role.VIEWER)
CRISIS_BLOCK = re.compile(r'<section class="crisis".*?</section>', re.DOTALL)


def signed_in(user: User, **headers: Any) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def member(study: Study, role: str) -> Client:
    return signed_in(MembershipFactory(study=study, role=role).user)


def url(name: str, study: Study, *args: object) -> str:
    return reverse(f"studies:{name}", args=[study.slug, *args])


def resource_post(**overrides: str) -> dict[str, str]:
    data = {
        "resource-country": "MX",
        "resource-language": "",
        "resource-name": "Línea del estudio",
        "resource-phone": "+52 (55) 5259-8121",
        "resource-url": "https://linea.example.org/ayuda",
        "resource-description": "Gratuita, 24 horas.",
        "resource-position": "",
    }
    data.update(overrides)
    return data


def contact_post(**overrides: str) -> dict[str, str]:
    data = {
        "contact-name": "Dr Ana Ruiz",
        "contact-email": "ana.ruiz@example.org",
        "contact-phone": "",
        "contact-notes": "",
    }
    data.update(overrides)
    return data


def actions(study: Study) -> list[str]:
    return list(AuditEntry.objects.filter(study_id=study.id).values_list("action", flat=True))


# --- What participants get -------------------------------------------------------------------------------------


def test_a_studys_own_resources_replace_the_platform_defaults_on_the_result_page(
    study: Study, researcher: User
) -> None:
    build_screening(study)
    team = signed_in(researcher)
    assert team.post(url("crisis_resource_add", study), resource_post()).status_code == 302

    result = Client().get(submit(Client(), study, q_crisis="yes", q_country="MX")["Location"]).content.decode()

    assert "Help is available right now" in result
    assert "Línea del estudio" in result
    assert 'href="tel:+52(55)5259-8121"' in result
    assert "Línea de la Vida" not in result  # the platform's row for Mexico
    assert "findahelpline.com" not in result  # and its international one: the study's list replaces the defaults


def test_the_international_fallback_shows_for_a_country_the_study_does_not_list(study: Study, owner: User) -> None:
    build_screening(study)
    team = signed_in(owner)
    team.post(url("crisis_resource_add", study), resource_post())
    fallback = resource_post(**{"resource-country": "", "resource-name": "World line", "resource-phone": ""})
    assert team.post(url("crisis_resource_add", study), fallback).status_code == 302

    result = Client().get(submit(Client(), study, q_crisis="yes", q_country="DE")["Location"]).content.decode()

    assert "World line" in result
    assert "Línea del estudio" not in result
    assert "Find A Helpline" not in result


def test_every_safety_contact_with_an_email_gets_the_alert(study: Study, researcher: User) -> None:
    build_screening(study)
    team = signed_in(researcher)
    team.post(url("safety_contact_add", study), contact_post())
    team.post(
        url("safety_contact_add", study),
        contact_post(**{"contact-name": "Deputy", "contact-email": "deputy@example.org"}),
    )
    by_phone = contact_post(**{"contact-name": "Night line", "contact-email": "", "contact-phone": "+44 20 7946 0000"})
    assert team.post(url("safety_contact_add", study), by_phone).status_code == 302
    assert SafetyContact.objects.filter(study=study).count() == 3

    submit(Client(), study, q_crisis="yes")
    assert send_queued() == ["sent"]

    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["ana.ruiz@example.org", "deputy@example.org"]


# --- Crisis resources -------------------------------------------------------------------------------------------


def test_starting_from_the_platforms_list_copies_the_chosen_countries_with_their_translations_once(
    study: Study, researcher: User
) -> None:
    team = signed_in(researcher)
    chosen = {"copy-countries": ["IN", "intl"]}
    assert team.post(url("crisis_resource_copy", study), chosen).status_code == 302

    copied = CrisisResource.objects.filter(study=study)
    assert sorted(copied.values_list("country", "language", "name")) == [
        ("", "", "Find A Helpline"),
        ("", "es", "Find A Helpline"),
        ("", "hi", "Find A Helpline"),
        ("IN", "", "Tele-MANAS"),
        ("IN", "es", "Tele-MANAS"),
        ("IN", "hi", "Tele-MANAS"),
    ]
    assert copied.get(country="IN", language="").phone == "14416"
    assert CrisisResource.objects.filter(study__isnull=True).count() == 14  # the defaults stay as they were
    assert team.post(url("crisis_resource_copy", study), chosen).status_code == 302
    assert copied.count() == 6  # a second copy adds nothing
    entries = AuditEntry.objects.filter(action="crisis_resource.copied").order_by("id")
    assert [entry.detail for entry in entries] == [{"countries": ["", "IN"], "count": 6}, {"countries": [], "count": 0}]

    assert team.post(url("crisis_resource_copy", study), {"copy-everything": "on"}).status_code == 302
    assert copied.count() == 14


def test_the_copy_offers_the_platforms_countries_and_ticks_those_the_study_recruits_in(
    study: Study, researcher: User
) -> None:
    questionnaire = build_screening(study)
    EligibilityRule.objects.create(questionnaire=questionnaire, key="country", operator="in", value=["MX", "IN"])
    page = signed_in(researcher).get(url("safety_setup", study)).content.decode()
    assert re.search(r'<input type="checkbox" name="copy-countries" value="IN"[^>]*checked', page)
    assert re.search(r'<input type="checkbox" name="copy-countries" value="intl"[^>]*checked', page)
    assert not re.search(r'<input type="checkbox" name="copy-countries" value="GB"[^>]*checked', page)
    assert "United Kingdom (GB)" in page


def test_an_empty_copy_is_refused_with_the_error_summary(study: Study, researcher: User) -> None:
    response = signed_in(researcher).post(url("crisis_resource_copy", study), {})
    assert response.status_code == 400
    assert "Choose at least one country to copy" in response.content.decode()
    assert "data-error-summary" in response.content.decode()
    assert not CrisisResource.objects.filter(study=study).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("resource-phone", "call 988 now", "digits, spaces and + - ( ) only"),
        ("resource-phone", "12", "digits, spaces and + - ( ) only"),
        ("resource-phone", "98+8", "digits, spaces and + - ( ) only"),
        ("resource-url", "javascript:alert(1)", "Enter a valid URL"),
        ("resource-url", "ftp://files.example.org/help", "Enter a valid URL"),
        ("resource-country", "XX", "Select a valid choice"),
        ("resource-language", "de", "Select a valid choice"),
        ("resource-name", "", "This field is required"),
    ],
)
def test_a_resource_with_bad_input_is_refused_keeping_what_was_typed(
    study: Study, researcher: User, field: str, value: str, message: str
) -> None:
    data = resource_post(**{field: value})
    response = signed_in(researcher).post(url("crisis_resource_add", study), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'class="error-summary"' in page
    assert f'href="#id_{field}"' in page  # the summary links to the field
    assert 'value="https://linea.example.org/ayuda"' in page or field == "resource-url"
    assert "Gratuita, 24 horas." in page
    assert not CrisisResource.objects.filter(study=study).exists()


def test_a_resource_needs_a_phone_or_a_web_address(study: Study, researcher: User) -> None:
    data = resource_post(**{"resource-phone": "", "resource-url": ""})
    response = signed_in(researcher).post(url("crisis_resource_add", study), data)
    assert response.status_code == 400
    assert "Give a phone number or a web address" in response.content.decode()


def test_a_resource_is_edited_and_deleted_and_each_change_is_audited_without_its_text(
    study: Study, owner: User
) -> None:
    team = signed_in(owner)
    team.post(url("crisis_resource_add", study), resource_post(**{"resource-language": "es"}))
    resource = CrisisResource.objects.get(study=study)
    assert resource.position == 0
    edit = {
        "country": "CO",
        "language": "",
        "name": "Línea 106",
        "phone": "106",
        "url": "",
        "description": "",
        "position": "3",
    }
    assert team.post(url("crisis_resource", study, resource.pk), edit).status_code == 302
    resource.refresh_from_db()
    assert (resource.country, resource.language, resource.name, resource.phone, resource.position) == (
        "CO", "", "Línea 106", "106", 3,
    )  # fmt: skip
    assert team.post(url("crisis_resource_delete", study, resource.pk), {}).status_code == 400  # no confirmation
    assert team.post(url("crisis_resource_delete", study, resource.pk), {"confirm": "yes"}).status_code == 302
    assert not CrisisResource.objects.filter(study=study).exists()

    assert actions(study) == ["crisis_resource.created", "crisis_resource.updated", "crisis_resource.deleted"]
    details = list(AuditEntry.objects.filter(study_id=study.id).values_list("detail", flat=True))
    assert details == [
        {"country": "MX", "language": "es"},
        {"country": "CO", "language": ""},
        {"country": "CO", "language": ""},
    ]
    assert "Línea" not in str(details)


def test_another_studys_resource_and_a_platform_default_are_not_found_here(study: Study, owner: User) -> None:
    other = CrisisResourceFactory()
    default = CrisisResource.objects.filter(study__isnull=True).first()
    assert default is not None
    team = signed_in(owner)
    for row in (other, default):
        assert team.get(url("crisis_resource", study, row.pk)).status_code == 404
        assert team.post(url("crisis_resource_delete", study, row.pk), {"confirm": "yes"}).status_code == 404
    assert CrisisResource.objects.filter(pk__in=[other.pk, default.pk]).count() == 2


def test_the_page_warns_for_each_recruiting_country_without_a_resource_until_a_fallback_exists(
    study: Study, researcher: User
) -> None:
    questionnaire = build_screening(study)
    EligibilityRule.objects.create(questionnaire=questionnaire, key="country", operator="in", value=["MX", "co"])
    EligibilityRule.objects.create(questionnaire=questionnaire, key="country", operator="not_in", value=["FR"])
    Stratum.objects.create(study=study, name="US", key="country", values=["US"], target=5, maximum=6)
    Stratum.objects.create(
        study=study, name="Women in India", key="gender", values=["woman"], target=2, maximum=3,
        conditions=[{"key": "country", "values": ["IN"]}],
    )  # fmt: skip
    CrisisResourceFactory(study=study, country="MX")
    team = signed_in(researcher)

    page = team.get(url("safety_setup", study)).content.decode()
    for name in ("Colombia (CO)", "United States (US)", "India (IN)"):
        assert f"✗ {name}: no resource and no international fallback" in page
    assert "Mexico (MX): resources of its own" in page
    coverage = re.search(r'<ul class="coverage">.*?</ul>', page, re.DOTALL)
    assert coverage is not None
    assert "France" not in coverage.group(0)  # a "not in" rule names where the study does not recruit

    CrisisResourceFactory(study=study, country="")
    page = team.get(url("safety_setup", study)).content.decode()
    assert "no international fallback" not in page
    assert "Colombia (CO): only the international fallback" in page


def test_a_study_without_countries_or_a_fallback_is_told_to_add_one(study: Study, researcher: User) -> None:
    page = signed_in(researcher).get(url("safety_setup", study)).content.decode()
    assert "no crisis resources of its own yet" in page
    assert "Add an international fallback" in page


# --- Safety contacts --------------------------------------------------------------------------------------------


def test_a_contact_needs_an_email_or_a_phone_and_sane_values(study: Study, researcher: User) -> None:
    team = signed_in(researcher)
    cases = [
        (contact_post(**{"contact-email": ""}), "Give an e-mail address or a phone number."),
        (contact_post(**{"contact-email": "ana.ruiz@"}), "Enter a valid email address."),
        (contact_post(**{"contact-phone": "ext. 5"}), "digits, spaces and + - ( ) only"),
        (contact_post(**{"contact-name": ""}), "This field is required."),
    ]
    for data, message in cases:
        response = team.post(url("safety_contact_add", study), data)
        assert response.status_code == 400, data
        assert message in response.content.decode()
        assert 'class="error-summary"' in response.content.decode()
    assert not SafetyContact.objects.filter(study=study).exists()


def test_contacts_are_edited_ordered_and_deleted_with_audit_entries_of_ids_only(study: Study, owner: User) -> None:
    first, second, third = (SafetyContactFactory(study=study, position=0) for _ in range(3))  # a migrated tie
    team = signed_in(owner)
    assert team.post(url("safety_contact_move", study, third.pk), {"direction": "up"}).status_code == 302
    order = list(SafetyContact.objects.filter(study=study).order_by("position", "id"))
    assert order == [first, third, second]
    assert team.post(url("safety_contact_move", study, first.pk), {"direction": "up"}).status_code == 302
    assert list(SafetyContact.objects.filter(study=study).order_by("position", "id")) == [first, third, second]
    assert team.post(url("safety_contact_move", study, first.pk), {}).status_code == 400

    edit = {"name": "Ana Ruiz", "email": "", "phone": "+34 600 000 000", "notes": "Weekdays 9-17 CET"}
    assert team.post(url("safety_contact", study, second.pk), edit).status_code == 302
    second.refresh_from_db()
    assert (second.email, second.phone, second.notes) == ("", "+34 600 000 000", "Weekdays 9-17 CET")
    assert team.post(url("safety_contact_delete", study, first.pk), {"confirm": "yes"}).status_code == 302
    assert not SafetyContact.objects.filter(pk=first.pk).exists()

    assert actions(study) == ["safety_contact.updated", "safety_contact.updated", "safety_contact.deleted"]
    stored = str(list(AuditEntry.objects.values_list("detail", flat=True)))
    assert "Ana" not in stored
    assert "@" not in stored


def test_the_page_says_a_contact_with_an_email_is_needed_to_launch(study: Study, researcher: User) -> None:
    SafetyContactFactory(study=study, email="", phone="+1 555 0100")
    page = signed_in(researcher).get(url("safety_setup", study)).content.decode()
    assert "No safety contact has an e-mail address yet" in page
    SafetyContactFactory(study=study)
    assert (
        "No safety contact has an e-mail address yet"
        not in signed_in(researcher).get(url("safety_setup", study)).content.decode()
    )


# --- Roles and archived studies --------------------------------------------------------------------------------


def test_managers_see_the_forms_and_other_roles_read_everything_without_them(study: Study) -> None:
    resource = CrisisResourceFactory(study=study, name="Study helpline")
    contact = SafetyContactFactory(study=study, name="Safety lead", email="lead@example.org", phone="+1 555 0100")
    for role in (Role.OWNER, Role.RESEARCHER):
        page = member(study, role).get(url("safety_setup", study)).content.decode()
        assert 'name="resource-name"' in page
        assert 'name="contact-email"' in page
        assert 'name="copy-countries"' in page
        assert url("crisis_resource_delete", study, resource.pk) in page
        assert url("safety_contact_move", study, contact.pk) not in page  # a single contact has nowhere to go
    for role in READERS:
        client = member(study, role)
        page = client.get(url("safety_setup", study)).content.decode()
        assert "Study helpline" in page
        assert "lead@example.org" in page  # the team's own contacts: every member may need to call them
        assert "+1 555 0100" in page
        for form_field in ('name="resource-name"', 'name="contact-email"', 'name="copy-countries"', 'name="confirm"'):
            assert form_field not in page, role
        assert url("crisis_resource", study, resource.pk) not in page
        detail = client.get(url("crisis_resource", study, resource.pk))
        assert detail.status_code == 200
        assert "Study helpline" in detail.content.decode()
        assert 'name="name"' not in detail.content.decode()
        contact_page = client.get(url("safety_contact", study, contact.pk)).content.decode()
        assert "lead@example.org" in contact_page
        assert 'name="email"' not in contact_page


def test_every_write_is_forbidden_to_interviewers_coders_and_viewers(study: Study) -> None:
    resource = CrisisResourceFactory(study=study)
    contact = SafetyContactFactory(study=study)
    writes = [
        (url("crisis_resource_add", study), resource_post()),
        (url("crisis_resource_copy", study), {"copy-everything": "on"}),
        (url("crisis_resource", study, resource.pk), {"name": "Changed", "phone": "111"}),
        (url("crisis_resource_delete", study, resource.pk), {"confirm": "yes"}),
        (url("safety_contact_add", study), contact_post()),
        (url("safety_contact", study, contact.pk), {"name": "Changed", "email": "x@example.org"}),
        (url("safety_contact_move", study, contact.pk), {"direction": "up"}),
        (url("safety_contact_delete", study, contact.pk), {"confirm": "yes"}),
    ]
    for role in READERS:
        client = member(study, role)
        assert [client.post(path, data).status_code for path, data in writes] == [403] * len(writes), role
    assert CrisisResource.objects.filter(study=study).get().name == resource.name
    assert SafetyContact.objects.filter(study=study).get().name == contact.name
    assert actions(study) == []


def test_a_study_that_has_started_keeps_a_safety_contact_with_an_email_address(study: Study, owner: User) -> None:
    alerted = SafetyContactFactory(study=study)
    SafetyContactFactory(study=study, email="", phone="+44 20 7946 0000")
    team = signed_in(owner)

    deleted = team.post(url("safety_contact_delete", study, alerted.pk), {"confirm": "yes"}, follow=True)
    edited = team.post(url("safety_contact", study, alerted.pk), {"name": "Ana", "email": "", "phone": "+34 600"})

    assert "Risk alerts would reach nobody" in deleted.content.decode()
    assert edited.status_code == 400
    assert "Risk alerts would reach nobody" in edited.content.decode()
    alerted.refresh_from_db()
    assert alerted.email.endswith("@example.org")
    assert actions(study) == []
    Study.objects.filter(pk=study.pk).update(status=Study.Status.DRAFT)  # nobody to alert about yet
    assert team.post(url("safety_contact_delete", study, alerted.pk), {"confirm": "yes"}).status_code == 302
    assert not SafetyContact.objects.filter(pk=alerted.pk).exists()


def test_a_recruiting_study_keeps_a_crisis_resource_for_every_country_it_recruits_in(
    study: Study, researcher: User
) -> None:
    questionnaire = build_screening(study)
    EligibilityRule.objects.create(questionnaire=questionnaire, key="country", operator="in", value=["MX", "CO"])
    mexico = CrisisResourceFactory(study=study, country="MX")
    colombia = CrisisResourceFactory(study=study, country="CO")
    team = signed_in(researcher)

    deleted = team.post(url("crisis_resource_delete", study, colombia.pk), {"confirm": "yes"}, follow=True)
    moved_away = {"country": "GT", "language": "", "name": "Línea", "phone": "106", "url": "", "description": ""}
    moved = team.post(url("crisis_resource", study, mexico.pk), {**moved_away, "position": ""})

    assert "would leave Colombia (CO) without a crisis resource" in deleted.content.decode()
    assert moved.status_code == 400
    assert "would leave Mexico (MX) without a crisis resource" in moved.content.decode()
    assert set(CrisisResource.objects.filter(study=study).values_list("country", flat=True)) == {"MX", "CO"}
    assert actions(study) == []
    CrisisResourceFactory(study=study, country="")  # an international fallback covers both
    assert team.post(url("crisis_resource_delete", study, colombia.pk), {"confirm": "yes"}).status_code == 302
    assert not CrisisResource.objects.filter(pk=colombia.pk).exists()


def test_an_archived_study_shows_no_forms_and_refuses_every_change(study: Study, owner: User) -> None:
    resource = CrisisResourceFactory(study=study)
    contact = SafetyContactFactory(study=study)
    Study.objects.filter(pk=study.pk).update(status=Study.Status.ARCHIVED)
    team = signed_in(owner)
    page = team.get(url("safety_setup", study)).content.decode()
    assert "This study is archived" in page
    assert 'name="resource-name"' not in page
    assert 'name="confirm"' not in page

    refused = team.post(url("crisis_resource_add", study), resource_post())
    assert refused.status_code == 400
    assert "archived" in refused.content.decode()
    assert (
        team.post(url("safety_contact", study, contact.pk), {"name": "New", "email": "n@example.org"}).status_code
        == 400
    )
    assert team.post(url("crisis_resource_copy", study), {"copy-everything": "on"}).status_code == 400
    team.post(url("crisis_resource_delete", study, resource.pk), {"confirm": "yes"})
    team.post(url("safety_contact_delete", study, contact.pk), {"confirm": "yes"})
    assert list(CrisisResource.objects.filter(study=study)) == [resource]
    assert SafetyContact.objects.get(study=study).name == contact.name
    assert actions(study) == []


# --- Preview ----------------------------------------------------------------------------------------------------


def test_the_preview_shows_exactly_the_block_a_participant_sees_in_their_language(
    study: Study, researcher: User
) -> None:
    build_screening(study)
    team = signed_in(researcher)
    team.post(url("crisis_resource_copy", study), {"copy-countries": ["IN", "intl"]})
    spanish = Client(HTTP_ACCEPT_LANGUAGE="es")
    result = spanish.get(submit(spanish, study, q_crisis="yes", q_country="IN")["Location"]).content.decode()
    participant_block = CRISIS_BLOCK.search(result)
    assert participant_block is not None
    assert "Hay ayuda disponible ahora mismo" in participant_block.group(0)

    preview = team.get(url("safety_preview", study), {"country": "IN", "language": "es"})
    assert preview.status_code == 200
    page = preview.content.decode()
    preview_block = CRISIS_BLOCK.search(page)
    assert preview_block is not None
    assert preview_block.group(0) == participant_block.group(0)
    assert "Línea gratuita de salud mental" in page
    assert 'lang="es"' in page
    assert (
        "Help is available right now"
        in team.get(url("safety_preview", study), {"country": "IN", "language": "en"}).content.decode()
    )


def test_the_preview_shows_the_fallback_for_an_unlisted_country_and_warns_when_nothing_matches(
    study: Study, viewer: User
) -> None:
    CrisisResourceFactory(study=study, country="MX", name="Mexico line")
    client = signed_in(viewer)
    nothing = client.get(url("safety_preview", study), {"country": "DE", "language": "en"}).content.decode()
    assert "No crisis resource matches" in nothing
    assert "Mexico line" not in nothing
    CrisisResourceFactory(study=study, country="", name="World line")
    page = client.get(url("safety_preview", study), {"country": "DE", "language": "en"}).content.decode()
    assert "World line" in page
    assert "No crisis resource matches" not in page


def test_the_preview_of_a_study_without_its_own_list_shows_the_platforms_and_refuses_other_languages(
    study: Study, researcher: User
) -> None:
    client = signed_in(researcher)
    page = client.get(url("safety_preview", study), {"country": "GB", "language": "en"}).content.decode()
    assert "Samaritans" in page
    assert "no crisis resources of its own" in page
    refused = client.get(url("safety_preview", study), {"country": "GB", "language": "de"})
    assert refused.status_code == 400
    assert 'class="error-summary"' in refused.content.decode()
    assert 'class="crisis"' not in refused.content.decode()


def test_while_recruiting_a_rule_or_a_stratum_cannot_name_a_country_that_has_no_crisis_resource(study: Study) -> None:
    Study.objects.filter(pk=study.pk).update(status=Study.Status.RECRUITING)
    study.refresh_from_db()
    questionnaire = build_screening(study)
    rule = EligibilityRule.objects.create(questionnaire=questionnaire, key="country", operator="in", value=["MX"])
    CrisisResourceFactory(study=study, country="MX")
    colombia = StratumDraft(name="Colombia", key="country", values=["CO"], target=2, maximum=3)

    with pytest.raises(QuestionnaireError, match=r"leave Colombia \(CO\) without a crisis resource"):
        edit_rule(rule=rule, key="country", operator="in", value=["MX", "CO"], description="")
    with pytest.raises(QuotaSetupError, match=r"leave Colombia \(CO\) without a crisis resource"):
        create_stratum(study=study, draft=colombia)
    rule.refresh_from_db()
    assert rule.value == ["MX"]
    assert not Stratum.objects.filter(study=study).exists()

    CrisisResourceFactory(study=study, country="CO")  # the resource first, then the country
    edit_rule(rule=rule, key="country", operator="in", value=["MX", "CO"], description="")
    create_stratum(study=study, draft=colombia)
    assert Stratum.objects.filter(study=study, values=["CO"]).exists()
