"""The quotas page (issue #20): strata picked from the screening questions, intersectional cells, live counts
beside the targets, the stage at which people count; managers edit, other roles read, archived studies refuse."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from studies.models import Participant, Question, QuotaStage, ScreeningResponse, Stratum, Study
from studies.services.quota_setup import (
    QuotaSetupError,
    StratumDraft,
    create_stratum,
    delete_stratum,
    set_quota_stage,
    update_stratum,
)
from studies.services.quotas import full_strata, select_for_invitation, stratum_counts
from studies.tests.factories import ParticipantFactory, QuestionFactory, StratumFactory, build_screening

pytestmark = pytest.mark.django_db

S = Participant.Status
GENDERS = [{"value": v, "labels": {"en": v.title(), "es": v}} for v in ("woman", "man", "non_binary")]


@pytest.fixture
def screening(study: Study) -> Study:
    """The demo screening (age, country, ...) plus a gender question."""
    questionnaire = build_screening(study)
    QuestionFactory(questionnaire=questionnaire, key="gender", kind=Question.Kind.SINGLE, choices=GENDERS,
                    text={"en": "Gender"})  # fmt: skip
    return study


def person(study: Study, status: str = S.CONSENTED, **attributes: Any) -> Participant:
    """Someone whose latest screening response holds `attributes` (as screening derives them)."""
    participant = ParticipantFactory(study=study, status=status)
    now = timezone.now()
    ScreeningResponse.objects.create(
        study=study, questionnaire=study.questionnaires.get(kind="screening"), participant=participant,
        form_token=f"quota-{participant.pk}", language="en", attributes=attributes, started_at=now,
        submitted_at=now, eligible=True,
    )  # fmt: skip
    return participant


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(study: Study, name: str = "quotas", *args: Any) -> str:
    return reverse(f"studies:{name}", args=[study.slug, *args])


def women_in_africa(study: Study, **fields: Any) -> Stratum:
    conditions = [{"key": "region", "values": ["africa"]}]
    defaults = {"name": "Women in Africa", "key": "gender", "values": ["woman"], "conditions": conditions}
    return StratumFactory(study=study, **{**defaults, **fields})


def draft(**fields: Any) -> StratumDraft:
    base: dict[str, Any] = {"name": "Women", "key": "gender", "values": ["woman"], "target": 3, "maximum": 5}
    return StratumDraft(**{**base, **fields})


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# Counting: an intersectional cell holds only people who meet its key and every condition.


def test_quota_counting_honours_the_conditions_of_an_intersectional_stratum(screening: Study) -> None:
    cell = women_in_africa(screening, target=1, maximum=1)
    women = StratumFactory(study=screening, name="Women", key="gender", values=["woman"], target=5, maximum=9)
    person(screening, gender="woman", region="africa")
    person(screening, gender="woman", region="europe")
    person(screening, gender="man", region="africa")
    person(screening, S.INVITED, gender="woman", region="africa")
    assert stratum_counts(study=screening)[cell.id] == 1
    assert stratum_counts(study=screening)[women.id] == 2
    assert stratum_counts(study=screening, include_pending=True)[cell.id] == 2
    assert full_strata(study=screening, attributes={"gender": "woman", "region": "africa"}) == [cell]
    assert full_strata(study=screening, attributes={"gender": "woman", "region": "asia"}) == []


def test_selection_fills_an_intersectional_cell_with_people_in_it(screening: Study) -> None:
    cell = women_in_africa(screening, target=1, maximum=1)
    in_cell = person(screening, S.ELIGIBLE, gender="woman", region="africa")
    outside = person(screening, S.ELIGIBLE, gender="woman", region="asia")
    picks = select_for_invitation(study=screening, limit=2)
    assert [pick.participant for pick in picks] == [in_cell, outside]
    assert "fills Women in Africa (0 of target 1)" in picks[0].reasons
    assert cell.matches({"gender": "woman", "region": "africa"})


# The service: checks before writing, audit in the same transaction.


def test_it_creates_a_stratum_and_audits_it_with_codes_only(screening: Study, researcher: User) -> None:
    conditions = [{"key": "region", "values": ["africa"]}]
    stratum = create_stratum(study=screening, draft=draft(name="Women in Africa", conditions=conditions))
    assert (stratum.key, stratum.values, stratum.conditions) == ("gender", ["woman"], conditions)
    entry = AuditEntry.objects.get(action="quota.created")
    assert (entry.study_id, entry.target_id) == (screening.pk, str(stratum.pk))
    assert entry.detail == {"key": "gender", "values": ["woman"], "conditions": conditions, "target": 3, "maximum": 5}
    assert "Women in Africa" not in str(entry.detail)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"key": "gendr"}, "No screening question or derived value called “gendr”"),
        ({"key": "age"}, "No screening question or derived value called “age”"),  # a number: use age_band
        ({"key": "crisis", "values": ["no"]}, "called “crisis”"),  # a risk item screens, it does not describe
        ({"values": ["woman", "queen"]}, "No answer to “gender” can be queen"),
        ({"values": []}, "Pick at least one value of “gender”"),
        ({"target": 6, "maximum": 5}, "The maximum (5) cannot be below the target (6)"),
        ({"conditions": [{"key": "region", "values": ["atlantis"]}]}, "No answer to “region” can be atlantis"),
        ({"conditions": [{"key": "gender", "values": ["man"]}]}, "already uses “gender”"),
        ({"name": "  "}, "Give the stratum a name"),
    ],
)
def test_it_refuses_a_stratum_that_does_not_fit_the_screening(
    screening: Study, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(QuotaSetupError, match=re.escape(message)):
        create_stratum(study=screening, draft=draft(**fields))
    assert not Stratum.objects.exists()
    assert not AuditEntry.objects.filter(action="quota.created").exists()


def test_it_refuses_a_second_stratum_of_the_same_name_whatever_its_case(screening: Study) -> None:
    create_stratum(study=screening, draft=draft(name="Women"))
    with pytest.raises(QuotaSetupError, match="already has a stratum called “women”"):
        create_stratum(study=screening, draft=draft(name="women", values=["man"]))


def test_it_updates_and_deletes_a_stratum_auditing_what_changed(screening: Study) -> None:
    stratum = create_stratum(study=screening, draft=draft())
    update_stratum(stratum=stratum, draft=draft(values=["woman", "non_binary"], target=4))
    stratum.refresh_from_db()
    assert (stratum.values, stratum.target) == (["woman", "non_binary"], 4)
    assert AuditEntry.objects.get(action="quota.updated").detail["changed"] == ["target", "values"]
    delete_stratum(stratum=stratum)
    assert not Stratum.objects.exists()
    assert AuditEntry.objects.get(action="quota.deleted").detail["stratum"] == stratum.pk
    for late in (lambda: update_stratum(stratum=stratum, draft=draft()), lambda: delete_stratum(stratum=stratum)):
        with pytest.raises(QuotaSetupError, match="deleted this stratum meanwhile"):
            late()
    assert AuditEntry.objects.filter(action__in=["quota.updated", "quota.deleted"]).count() == 2


def test_the_quota_stage_change_is_audited_and_moves_the_counts(screening: Study) -> None:
    stratum = StratumFactory(study=screening, key="gender", values=["woman"])
    person(screening, S.CONSENTED, gender="woman")
    assert stratum_counts(study=screening)[stratum.id] == 1
    assert set_quota_stage(study=screening, stage=QuotaStage.INTERVIEWED)
    assert not set_quota_stage(study=screening, stage=QuotaStage.INTERVIEWED)
    assert stratum_counts(study=screening)[stratum.id] == 0
    entry = AuditEntry.objects.get(action="study.quota_stage_changed")
    assert entry.detail == {"from": "consented", "to": "interviewed"}


def test_an_archived_study_refuses_every_change(screening: Study) -> None:
    stratum = StratumFactory(study=screening, key="gender", values=["woman"])
    Study.objects.filter(pk=screening.pk).update(status=Study.Status.ARCHIVED)
    screening.refresh_from_db()
    for change in (
        lambda: create_stratum(study=screening, draft=draft(name="Men", values=["man"])),
        lambda: update_stratum(stratum=stratum, draft=draft()),
        lambda: delete_stratum(stratum=stratum),
        lambda: set_quota_stage(study=screening, stage=QuotaStage.INTERVIEWED),
    ):
        with pytest.raises(QuotaSetupError, match="archived"):
            change()
    assert Stratum.objects.count() == 1
    assert not AuditEntry.objects.filter(action__startswith="quota.").exists()


# The pages: what each role sees and may do.


def test_managers_see_live_counts_the_targets_sum_and_every_form(screening: Study, researcher: User) -> None:
    Study.objects.filter(pk=screening.pk).update(target_sample_size=10)
    cell = women_in_africa(screening, target=2, maximum=3)
    StratumFactory(study=screening, name="Women", key="gender", values=["woman"], target=6, maximum=8)
    StratumFactory(study=screening, name="Men", key="gender", values=["man"], target=6, maximum=8)
    person(screening, gender="woman", region="africa")
    person(screening, S.INTERVIEWED, gender="woman", region="africa")
    person(screening, S.INVITED, gender="woman", region="africa")
    person(screening, S.ELIGIBLE, gender="woman", region="africa")  # in the pool: not counted, not invited
    response = signed_in(researcher).get(url(screening))
    assert response.status_code == 200
    page = text(response)
    card = page[page.index(f'data-stratum="{cell.pk}"') :]
    assert "2 counted · target 2 · maximum 3" in card[:2000]
    assert "1 invited" in card[:2000]
    assert "target met" in card[:2000]
    assert "Gender \N{MULTIPLICATION SIGN} World region" in page
    assert "2 strata, targets add up to 12 of a target sample of 10." in page
    assert "2 more than the sample" in page
    assert 'name="quota_stage"' in page
    assert 'id="stratum-form"' in page
    assert '<option value="age_band">' in page
    assert '<option value="crisis">' not in page
    assert '<option value="attention">' not in page
    assert url(screening, "quota_delete", cell.pk) in page


@pytest.mark.parametrize("role", ["interviewer", "coder", "viewer"])
def test_other_roles_read_the_quotas_without_any_form_and_cannot_change_them(
    screening: Study, role: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(role)
    stratum = women_in_africa(screening)
    person(screening, gender="woman", region="africa")
    client = signed_in(user)
    page = text(client.get(url(screening)))
    assert "Women in Africa" in page
    assert "1 counted · target 2 · maximum 3" in page
    assert re.findall(r"<form[^>]*>", page) == ['<form method="post" action="/accounts/logout/" class="inline">']
    assert "<select" not in page
    assert url(screening, "quota_delete", stratum.pk) not in page
    detail = text(client.get(url(screening, "quota_stratum", stratum.pk)))
    assert "World region" in detail
    assert 'name="name"' not in detail
    posts = [
        client.post(url(screening), {"form": "stage", "quota_stage": "interviewed"}),
        client.post(url(screening), {"form": "stratum", "name": "X", "key": "gender", "values": ["man"]}),
        client.post(url(screening, "quota_stratum", stratum.pk), {"name": "Renamed"}),
        client.post(url(screening, "quota_delete", stratum.pk)),
    ]
    assert [post.status_code for post in posts] == [403, 403, 403, 403]
    assert client.get(url(screening, "quota_delete", stratum.pk)).status_code == 403
    assert Stratum.objects.get().name == "Women in Africa"
    screening.refresh_from_db()
    assert screening.quota_stage == QuotaStage.CONSENTED


def test_outsiders_do_not_learn_that_the_study_or_its_strata_exist(screening: Study, outsider: User) -> None:
    stratum = women_in_africa(screening)
    client = signed_in(outsider)
    assert client.get(url(screening)).status_code == 404
    assert client.get(url(screening, "quota_stratum", stratum.pk)).status_code == 404
    assert client.post(url(screening, "quota_delete", stratum.pk)).status_code == 404


def test_a_stratum_of_another_study_is_not_found_through_this_one(screening: Study, owner: User) -> None:
    elsewhere = StratumFactory()
    client = signed_in(owner)
    assert client.get(url(screening, "quota_stratum", elsewhere.pk)).status_code == 404
    assert client.post(url(screening, "quota_delete", elsewhere.pk)).status_code == 404
    assert Stratum.objects.filter(pk=elsewhere.pk).exists()


def test_an_owner_builds_an_intersectional_cell_step_by_step_without_script(screening: Study, owner: User) -> None:
    client = signed_in(owner)
    typed = {"form": "stratum", "name": "Women in Africa", "key": "gender", "target": "2", "maximum": "3"}
    shown = client.post(url(screening), {**typed, "action": "refresh"})
    assert shown.status_code == 200
    page = text(shown)
    assert 'name="values" value="woman"' in page
    assert 'value="Women in Africa"' in page
    assert "Please fix" not in page
    with_row = client.post(url(screening), {**typed, "values": ["woman"], "action": "add_condition"})
    page = text(with_row)
    assert 'name="condition_0_key"' in page
    assert 'name="condition_rows" value="1"' in page
    assert re.search(r'name="values" value="woman"[^>]*checked', page)
    region = {**typed, "values": ["woman"], "condition_rows": "1", "condition_0_key": "region"}
    page = text(client.post(url(screening), {**region, "action": "refresh"}))
    assert 'name="condition_0_values" value="africa"' in page
    saved = client.post(url(screening), {**region, "condition_0_values": ["africa"], "action": "save"})
    assert saved.status_code == 302
    stratum = Stratum.objects.get()
    assert saved["Location"] == url(screening) + f"#stratum-{stratum.pk}"
    assert (stratum.key, stratum.values, stratum.conditions) == (
        "gender",
        ["woman"],
        [{"key": "region", "values": ["africa"]}],
    )
    assert AuditEntry.objects.filter(action="quota.created", target_id=str(stratum.pk)).exists()


def test_enter_in_a_field_saves_rather_than_reshaping_the_form(screening: Study, owner: User) -> None:
    page = text(signed_in(owner).get(url(screening) + "?key=gender"))
    form = page[page.index('id="stratum-form"') :]
    first_button = re.search(r"<button[^>]*>", form)
    assert first_button is not None
    assert 'value="save"' in first_button.group(0)
    assert 'name="values" value="woman"' in form  # ?key= opened the form on gender


def test_bad_input_answers_400_keeping_what_was_typed_with_an_error_summary(screening: Study, owner: User) -> None:
    StratumFactory(study=screening, name="Women", key="gender", values=["woman"])
    client = signed_in(owner)
    typed = {
        "form": "stratum", "action": "save", "name": "women", "key": "gender", "values": ["woman", "queen"],
        "condition_rows": "1", "condition_0_key": "country", "condition_0_values": "ke, ng, xx",
        "target": "7", "maximum": "4",
    }  # fmt: skip
    response = client.post(url(screening), typed)
    assert response.status_code == 400
    page = text(response)
    assert 'class="error-summary"' in page
    for message in (
        "already has a stratum called “women”",
        "No answer to “gender” can be queen",
        "No answer to “country” can be xx: check the codes",
        "The maximum (4) cannot be below the target (7)",
    ):
        assert message in page, message
    assert 'href="#id_values_0"' in page  # the summary's link lands on the first checkbox
    assert 'value="ke, ng, xx"' in page
    assert 'value="7"' in page
    assert Stratum.objects.count() == 1


def test_a_long_list_of_values_is_typed_as_codes_in_any_case(screening: Study, researcher: User) -> None:
    client = signed_in(researcher)
    typed = {"form": "stratum", "action": "save", "name": "East Africa", "key": "country", "values": "ke; ng  tz",
             "target": "3", "maximum": "4"}  # fmt: skip
    assert client.post(url(screening), typed).status_code == 302
    assert Stratum.objects.get().values == ["KE", "NG", "TZ"]


def test_a_manager_changes_and_deletes_a_stratum_on_its_pages(screening: Study, researcher: User) -> None:
    stratum = women_in_africa(screening)
    client = signed_in(researcher)
    page = text(client.get(url(screening, "quota_stratum", stratum.pk)))
    assert 'value="Women in Africa"' in page
    assert re.search(r'value="africa"[^>]*checked', page)
    edited = {
        "form": "stratum", "action": "save", "name": "Women in Africa", "key": "gender", "values": ["woman"],
        "condition_rows": "1", "condition_0_key": "region", "condition_0_values": ["africa", "asia"],
        "target": "2", "maximum": "6",
    }  # fmt: skip
    assert client.post(url(screening, "quota_stratum", stratum.pk), edited).status_code == 302
    stratum.refresh_from_db()
    assert (stratum.conditions, stratum.maximum) == ([{"key": "region", "values": ["africa", "asia"]}], 6)
    assert AuditEntry.objects.get(action="quota.updated").detail["changed"] == ["conditions", "maximum"]
    dropped = {**edited, "condition_0_key": "", "condition_0_values": []}
    assert client.post(url(screening, "quota_stratum", stratum.pk), dropped).status_code == 302
    stratum.refresh_from_db()
    assert stratum.conditions == []
    confirm = client.get(url(screening, "quota_delete", stratum.pk))
    assert confirm.status_code == 200
    assert "Delete the stratum" in text(confirm)
    assert client.post(url(screening, "quota_delete", stratum.pk)).status_code == 302
    assert not Stratum.objects.exists()
    assert AuditEntry.objects.filter(action="quota.deleted", study_id=screening.pk).count() == 1


def test_an_owner_sets_the_stage_at_which_people_count(screening: Study, owner: User) -> None:
    client = signed_in(owner)
    refused = client.post(url(screening), {"form": "stage", "quota_stage": "sometime"})
    assert refused.status_code == 400
    assert 'href="#id_quota_stage_0"' in text(refused)
    assert client.post(url(screening), {"form": "stage", "quota_stage": "interviewed"}).status_code == 302
    screening.refresh_from_db()
    assert screening.quota_stage == QuotaStage.INTERVIEWED
    assert AuditEntry.objects.filter(action="study.quota_stage_changed", study_id=screening.pk).count() == 1


def test_an_archived_study_shows_its_quotas_without_forms_even_to_owners(screening: Study, owner: User) -> None:
    stratum = women_in_africa(screening)
    Study.objects.filter(pk=screening.pk).update(status=Study.Status.ARCHIVED)
    client = signed_in(owner)
    page = text(client.get(url(screening)))
    assert "archived" in page
    assert 'id="stratum-form"' not in page
    assert 'name="quota_stage"' not in page
    assert client.post(url(screening), {"form": "stage", "quota_stage": "interviewed"}).status_code == 403
    assert client.post(url(screening, "quota_delete", stratum.pk)).status_code == 403
    assert Stratum.objects.filter(pk=stratum.pk).exists()


def test_without_closed_screening_questions_the_page_says_what_to_add(study: Study, owner: User) -> None:
    page = text(signed_in(owner).get(url(study)))
    assert "The screening has none yet." in page
    assert reverse("studies:questionnaires", args=[study.slug]) in page


def test_a_stratum_whose_question_is_gone_is_flagged_on_the_page(screening: Study, viewer: User) -> None:
    StratumFactory(study=screening, name="Chatbot users", key="chatbot", values=["yes"])
    page = text(signed_in(viewer).get(url(screening)))
    assert "No screening question or derived value called “chatbot” can hold a quota" in page


# In real headless Chromium: a 360 px phone and the keyboard alone.


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_keyboard_alone_builds_an_intersectional_cell(
    browser: Any, live_server: Any, screening: Study, owner: User
) -> None:
    women_in_africa(screening, name="Existing cell with a long name that has to wrap on a small phone screen")
    client = signed_in(owner)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(live_server.url + url(screening))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing spills sideways
    page.locator("#id_name").focus()
    page.keyboard.type("Men in Asia")
    page.locator("#id_key").select_option("gender")
    page.get_by_role("button", name="Show the values").first.focus()
    page.keyboard.press("Enter")
    page.locator("#id_values_1").focus()  # "man"
    page.keyboard.press("Space")
    page.get_by_role("button", name="Add a condition").focus()
    page.keyboard.press("Enter")
    page.locator("#id_condition_0_key").select_option("region")
    page.get_by_role("button", name="Show the values").last.focus()
    page.keyboard.press("Enter")
    page.locator('input[name="condition_0_values"][value="asia"]').focus()
    page.keyboard.press("Space")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # long questions too
    page.locator("#id_target").fill("2")
    page.locator("#id_maximum").focus()
    page.keyboard.type("3")
    page.keyboard.press("Enter")  # Enter in a field saves (the form's first submit button is "save")
    page.wait_for_url(re.compile(r"/quotas/#stratum-\d+$"))
    assert "The stratum was saved." in str(page.locator(".messages").text_content())
    stratum = Stratum.objects.get(name="Men in Asia")
    assert page.url.endswith(f"#stratum-{stratum.pk}")  # the new stratum's card, with its live figures
    assert (stratum.values, stratum.conditions) == (["man"], [{"key": "region", "values": ["asia"]}])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert blocked == []
    context.close()
