"""Set-up files: the demo seeds are one, a study exports into one and imports from one, problems carry paths."""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts.models import AuditEntry, User
from coding.models import Code, Memo
from seeds.management.commands._demo_seeds import read_seeds
from seeds.management.commands.load_demo_study import SEED_DIR
from seeds.setup import (
    SetupInvalid,
    UnreadableSetup,
    clone_study,
    dump_setup,
    export_setup,
    import_setup,
    importing,
    read_setup,
    setup_from_seeds,
    validate_setup,
)
from studies.models import (
    CompensationPlan,
    ConsentDocument,
    CrisisResource,
    DistressProtocol,
    EligibilityRule,
    GuideQuestion,
    MessageTemplate,
    Participant,
    Question,
    Questionnaire,
    SafetyContact,
    Slot,
    Stratum,
    Study,
)
from studies.services.safety_setup import SafetySetupError
from studies.services.study_setup import StudySetupError
from studies.tests.factories import MembershipFactory, StudyFactory

DEMO_SLUG = "llm-chatbots-mental-health"


def demo_setup() -> dict[str, Any]:
    return setup_from_seeds(read_seeds(SEED_DIR))


SMALL_SETUP = """
format: interview-platform-setup
version: 1
study: {title: Sleep and chatbots, languages: [en, es], target_sample_size: 10}
eligibility:
  - {key: age, operator: gte, value: 18, description: Adults}
quotas:
  - {name: Women in Europe, key: gender, values: [woman], target: 2, maximum: 3,
     conditions: [{key: region, values: [europe]}]}
screening:
  title: {en: A few questions, es: Unas preguntas}
  min_completion_seconds: 30
  questions:
    - {key: age, kind: age, text: {en: "Age?", es: "¿Edad?"}}
    - {key: country, kind: country, text: {en: "Country?", es: "¿País?"}}
    - key: gender
      kind: single
      text: {en: "Gender?", es: "¿Género?"}
      choices:
        - {value: woman, labels: {en: Woman, es: Mujer}}
        - {value: man, labels: {en: Man, es: Hombre}}
    - key: crisis
      kind: single
      text: {en: "Crisis?", es: "¿Crisis?"}
      choices:
        - {value: "yes", labels: {en: "Yes", es: Sí}}
        - {value: "no", labels: {en: "No", es: "No"}}
      risk_item: true
      risk_values: ["yes"]
      required: false
questionnaires:
  - kind: wellbeing
    available_from: interviewed
    title: {en: After the interview, es: Después de la entrevista}
    questions:
      - {key: mood, kind: likert, text: {en: "Mood?", es: "¿Ánimo?"}, min_value: 1, max_value: 5}
consent:
  items:
    audio_recording: {required: true}
    data_sharing: {required: false, label: {en: Sharing the data, es: Compartir los datos}}
  documents:
    en:
      title: Consent
      body: "You agree.\n\nReally."
      comprehension: [{question: "Can you stop?", choices: ["Yes", "No"], answer: 0}]
    es:
      title: Consentimiento
      body: Usted acepta.
      comprehension: [{question: "¿Puede parar?", choices: [Sí, "No"], answer: 0}]
interview_guide:
  voice_questions: [{prompt: {en: "How do you sleep?", es: "¿Cómo duerme?"}}]
codebook:
  codes: [{key: sleep, name: Sleep, colour: "#112233", children: [{key: night, name: At night}]}]
safety:
  safety_contacts: [{name: Safety lead, email: lead@example.org}]
  crisis_resources: [{name: Helpline, country: ES, language: es, phone: "024"}]
"""


def small_setup() -> dict[str, Any]:
    """A set-up with one of everything, in two languages."""
    data: dict[str, Any] = yaml.safe_load(SMALL_SETUP)
    return data


@pytest.fixture
def demo(db: None, settings: SettingsWrapper, tmp_path: Path) -> Study:
    """The demo study, loaded without recordings (DEBUG on: the loader refuses otherwise)."""
    settings.DEBUG = True
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    call_command("load_demo_study", "--no-recordings", stdout=io.StringIO())
    return Study.objects.get(slug=DEMO_SLUG)


@pytest.fixture
def someone(db: None) -> User:
    return User.objects.create_user(email="new-owner@example.org", password=None)


# The format -----------------------------------------------------------------------------------------------------


def test_the_demo_seed_files_are_a_valid_setup() -> None:
    data = demo_setup()
    assert data["format"] == "interview-platform-setup"
    assert data["version"] == 1
    assert "slug" not in data["study"]
    assert "status" not in data["study"]
    assert data["safety"]["safety_contacts"][0]["email"] == "safety-lead.demo@example.org"
    assert validate_setup(data) == []


def test_the_loader_refuses_seed_files_that_are_not_a_valid_setup(db: None, settings: SettingsWrapper,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    settings.DEBUG = True
    for name in SEED_DIR.glob("*.yaml"):
        (tmp_path / name.name).write_bytes(name.read_bytes())
    screening = yaml.safe_load((tmp_path / "screening.yaml").read_text())
    screening["questions"][0]["kind"] = "essay"
    (tmp_path / "screening.yaml").write_text(yaml.safe_dump(screening, allow_unicode=True))
    with pytest.raises(CommandError, match=r"screening\.questions\[0\]\.kind"):
        call_command("load_demo_study", "--no-recordings", "--seeds", str(tmp_path), stdout=io.StringIO())
    assert not Study.objects.exists()


@pytest.mark.slow
def test_the_demo_study_exports_imports_and_exports_again_the_same(demo: Study, someone: User) -> None:
    exported = export_setup(study=demo)
    assert validate_setup(exported) == []
    copy_ = import_setup(data=exported, owner=someone, title=demo.title, slug="demo-copy")
    again = export_setup(study=copy_)
    assert again == exported
    assert yaml.safe_load(dump_setup(again)) == exported
    # What the file carries is what the demo seed files hold, where both have it.
    seeds = demo_setup()
    assert exported["screening"] == seeds["screening"]
    assert exported["eligibility"] == seeds["eligibility"]
    assert exported["quotas"] == seeds["quotas"]
    assert exported["safety"] == seeds["safety"]
    assert exported["interview_guide"]["voice_questions"] == seeds["interview_guide"]["voice_questions"]
    assert exported["consent"]["documents"] == seeds["consent"]["documents"]


@pytest.mark.slow
def test_an_imported_study_is_a_draft_with_the_whole_setup_and_nobody_but_its_owner(demo: Study, someone: User) -> None:
    copy_ = import_setup(data=export_setup(study=demo), owner=someone, title="Copy", slug="demo-copy")
    assert copy_.status == Study.Status.DRAFT
    assert list(copy_.memberships.values_list("user__email", "role")) == [("new-owner@example.org", "owner")]
    assert not Participant.objects.filter(study=copy_).exists()
    assert not Slot.objects.filter(study=copy_).exists()
    assert (
        Question.objects.filter(questionnaire__study=copy_).count()
        == Question.objects.filter(questionnaire__study=demo).count()
    )
    assert EligibilityRule.objects.filter(questionnaire__study=copy_).count() == 2
    assert Stratum.objects.filter(study=copy_).count() == Stratum.objects.filter(study=demo).count()
    published = ConsentDocument.objects.filter(study=copy_, published_at__isnull=False)
    assert sorted(published.values_list("language", flat=True)) == ["en", "es", "hi"]
    assert Code.objects.filter(study=copy_).count() == Code.objects.filter(study=demo).count()
    assert not Code.objects.filter(study=copy_, guid__in=Code.objects.filter(study=demo).values("guid")).exists()
    assert GuideQuestion.objects.filter(study=copy_).count() == 5
    assert SafetyContact.objects.filter(study=copy_).count() == 1
    # The team's memos stay behind, the demo's interview guide memo with them.
    assert not Memo.objects.filter(study=copy_).exists()
    entry = AuditEntry.objects.get(action="study.setup_imported")
    assert (entry.study_id, entry.detail) == (copy_.pk, {"study_id": copy_.pk, "version": 1})


@pytest.mark.slow
def test_the_file_holds_no_participant_team_member_or_answer(demo: Study) -> None:
    text = dump_setup(export_setup(study=demo))
    seeds = read_seeds(SEED_DIR)
    # An address as a whole (demo@example.org is also the end of research-team.demo@example.org, the study's).
    addresses = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text))
    assert addresses == {"research-team.demo@example.org", "safety-lead.demo@example.org"}
    for person in seeds["participants"]["participants"]:
        assert person["name"] not in text
    assert {member["email"] for member in seeds["study"]["team"]}.isdisjoint(addresses)
    assert "seed-" not in text  # no screening form token
    for participant in Participant.objects.filter(study=demo):
        assert participant.code not in text


def test_a_small_setup_imports_with_every_part(someone: User) -> None:
    study = import_setup(data=small_setup(), owner=someone, title="", slug="")
    assert (study.title, study.slug, study.languages) == ("Sleep and chatbots", "sleep-and-chatbots", ["en", "es"])
    screening = Questionnaire.objects.get(study=study, kind="screening")
    assert screening.min_completion_seconds == 30
    assert list(screening.questions.values_list("key", flat=True)) == ["age", "country", "gender", "crisis"]
    later = Questionnaire.objects.get(study=study, kind="wellbeing")
    assert (later.available_from, later.questions.get().max_value) == ("interviewed", 5)
    stratum = Stratum.objects.get(study=study)
    assert stratum.conditions == [{"key": "region", "values": ["europe"]}]
    document = ConsentDocument.objects.get(study=study, language="es", published_at__isnull=False)
    assert document.items["data_sharing"] == {"required": False, "label": "Compartir los datos", "position": 1}
    assert CrisisResource.objects.get(study=study).country == "ES"
    assert Code.objects.get(study=study, name="At night").parent.name == "Sleep"  # type: ignore[union-attr]
    assert export_setup(study=study)["consent"]["items"]["data_sharing"]["label"]["es"] == "Compartir los datos"


SCRIPT = """
title: Guide
duration_minutes: 45
opening: [Welcome]
sections:
  - title: Sleep
    themes: [night]
    questions: [{text: Tell me, probes: ["Why?"]}]
closing: [Thanks]
"""


def test_the_interviewers_script_becomes_a_memo_of_the_owner_and_stays_behind_in_an_export(someone: User) -> None:
    data = small_setup()
    data["interview_guide"].update(yaml.safe_load(SCRIPT))
    study = import_setup(data=data, owner=someone, title="", slug="scripted")
    memo = Memo.objects.get(study=study)
    assert (memo.title, memo.author) == ("Guide", someone)
    assert "  - Probe: Why?" in memo.text
    assert set(export_setup(study=study)["interview_guide"]) == {"voice_questions"}


def test_a_script_needs_all_its_parts_and_themes_that_are_codes() -> None:
    data = small_setup()
    data["interview_guide"].update(yaml.safe_load(SCRIPT.replace("[night]", "[dreams]")))
    del data["interview_guide"]["closing"]
    assert validate_setup(data) == [
        "interview_guide.closing: Missing: a guide with a script needs title, duration_minutes, opening, sections, "
        "closing.",
        "interview_guide.sections[0].themes[0]: No code of the codebook has the key “dreams”.",
    ]


def test_a_consent_form_missing_a_language_is_imported_as_a_draft(someone: User) -> None:
    data = small_setup()
    del data["consent"]["documents"]["es"]
    study = import_setup(data=data, owner=someone, title="", slug="draft-consent")
    rows = ConsentDocument.objects.filter(study=study)
    assert sorted(rows.values_list("language", flat=True)) == ["en", "es"]
    assert not rows.filter(published_at__isnull=False).exists()


def test_a_clone_is_a_new_draft_with_its_own_address_and_an_audit_entry(someone: User) -> None:
    source = import_setup(data=small_setup(), owner=someone, title="Source", slug="source")
    other = User.objects.create_user(email="cloner@example.org", password=None)
    MembershipFactory(study=source, user=other, role="owner")
    clone = clone_study(study=source, owner=other, title="The clone", slug="the-clone")
    assert (clone.title, clone.slug, clone.status) == ("The clone", "the-clone", Study.Status.DRAFT)
    assert list(clone.memberships.values_list("user__email", flat=True)) == ["cloner@example.org"]
    expected = {**export_setup(study=source), "study": {**export_setup(study=source)["study"], "title": "The clone"}}
    assert export_setup(study=clone) == expected
    entry = AuditEntry.objects.get(action="study.cloned")
    assert entry.detail == {"source_study_id": source.pk, "study_id": clone.pk, "version": 1}


# Nothing half made ------------------------------------------------------------------------------------------------


def test_an_invalid_document_creates_nothing_and_lists_every_problem(someone: User) -> None:
    data = small_setup()
    data["screening"]["questions"][2]["choices"][1]["value"] = "woman"
    data["eligibility"][0]["key"] = "agee"
    before = Study.objects.count()
    with pytest.raises(SetupInvalid) as refused:
        import_setup(data=data, owner=someone, title="", slug="")
    assert any(p.startswith("screening.questions[2].choices: ") for p in refused.value.problems)
    assert Study.objects.count() == before


def test_a_service_refusing_a_late_part_rolls_the_whole_study_back(
    someone: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The safety part is written last: a refusal there (forced here) must leave no study, question or audit entry.
    def refuse(**kwargs: Any) -> None:
        raise SafetySetupError("refused")

    monkeypatch.setattr(importing.safety_setup, "add_crisis_resource", refuse)
    with pytest.raises(SetupInvalid, match="safety: refused"):
        import_setup(data=small_setup(), owner=someone, title="", slug="rolled-back")
    assert not Study.objects.filter(slug="rolled-back").exists()
    assert not Question.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_taken_address_is_refused_before_anything_is_written(someone: User) -> None:
    StudyFactory(slug="taken")
    with pytest.raises(StudySetupError, match="address"):
        import_setup(data=small_setup(), owner=someone, title="", slug="taken")
    assert Study.objects.count() == 1


# Problems and their paths -----------------------------------------------------------------------------------------


def problems_of(change: Any) -> list[str]:
    data = small_setup()
    change(data)
    return validate_setup(data)


def test_it_names_the_path_of_an_unknown_name() -> None:
    problems = problems_of(lambda d: d["screening"]["questions"][0].update(requried=False))
    assert problems == [problems[0]]
    assert problems[0].startswith("screening.questions[0].requried: Unknown name.")


def test_it_refuses_another_format_or_version_without_reading_further() -> None:
    assert validate_setup({"format": "something", "version": 1, "study": {}}) == [
        "format: This is not a set-up file: expected “format: interview-platform-setup”."
    ]
    assert validate_setup({"format": "interview-platform-setup", "version": 2, "study": {}})[0].startswith("version:")
    assert validate_setup(["a list"])[0].startswith("Expected a mapping")


def test_it_refuses_a_rule_on_an_unknown_question() -> None:
    problems = problems_of(lambda d: d["eligibility"][0].update(key="agee"))
    assert problems == [problems[0]]
    assert problems[0].startswith("eligibility[0].key: No screening question or derived value is called “agee”.")


def test_it_refuses_a_rule_value_no_answer_can_take() -> None:
    problems = problems_of(lambda d: d["eligibility"].append({"key": "gender", "operator": "eq", "value": "women"}))
    assert problems == [problems[0]]
    assert problems[0].startswith("eligibility[1]: No answer to “gender” can be women.")


def test_it_refuses_a_quota_value_no_answer_can_take_in_a_condition() -> None:
    problems = problems_of(lambda d: d["quotas"][0]["conditions"][0].update(values=["europa"]))
    assert problems == [problems[0]]
    assert problems[0].startswith("quotas[0].conditions[0].values: ")


def test_it_names_the_question_and_its_choices_when_a_value_is_used_twice() -> None:
    problems = problems_of(lambda d: d["screening"]["questions"][2]["choices"][1].update(value="woman"))
    assert problems == ["screening.questions[2].choices: Each choice needs its own value; used twice: woman."]


def test_it_refuses_skip_logic_on_a_later_question() -> None:
    problems = problems_of(lambda d: d["screening"]["questions"][0].update(
        conditions=[{"key": "gender", "op": "eq", "value": "woman"}]))  # fmt: skip
    assert [p.split(":")[0] for p in problems] == ["screening.questions[0].conditions"]


def test_it_explains_an_unquoted_yes() -> None:
    problems = problems_of(lambda d: d["screening"]["questions"][3].update(risk_values=[True]))
    assert problems == [
        "screening.questions[3].risk_values[0]: Expected a text, found true or false. "
        'Put quotes around yes, no, on and off ("yes") to keep them as text.'
    ]


def test_it_refuses_a_text_that_cannot_be_stored() -> None:
    problems = problems_of(lambda d: d["consent"]["documents"]["en"].update(title="Con\x00sent"))
    assert problems == [
        "consent.documents.en.title: The text holds a character that cannot be stored (NUL or a lone surrogate)."
    ]


def test_it_refuses_a_crisis_resource_language_left_null_instead_of_failing_at_import() -> None:
    problems = problems_of(lambda d: d["safety"]["crisis_resources"][0].update(language=None))
    assert problems == ["safety.crisis_resources[0].language: Expected a text, found nothing."]


def test_it_refuses_a_phone_number_the_safety_page_would_refuse() -> None:
    def change(data: dict[str, Any]) -> None:
        data["safety"]["crisis_resources"][0]["phone"] = "call the front desk"
        data["safety"]["safety_contacts"][0]["phone"] = "ext. 5"

    refusal = "Write the number with digits, spaces and + - ( ) only, for example +1 (800) 273-8255."
    assert problems_of(change) == [
        f"safety.safety_contacts[0].phone: {refusal}",
        f"safety.crisis_resources[0].phone: {refusal}",
    ]


def test_it_refuses_a_video_call_address_that_is_not_https_as_the_study_form_does() -> None:
    problems = problems_of(lambda d: d["study"].update(video_call_base_url="http://meet.example.org/"))
    assert problems == ["study.video_call_base_url: Use an https:// address: meeting links must be private."]
    assert problems_of(lambda d: d["study"].update(video_call_base_url="https://meet.example.org/")) == []


def test_it_refuses_a_language_the_study_does_not_have() -> None:
    problems = problems_of(lambda d: d["interview_guide"]["voice_questions"][0]["prompt"].update(hi="?"))
    assert problems == ["interview_guide.voice_questions[0].prompt.hi: Not a language of the study (en, es)."]


def test_it_refuses_comprehension_answers_that_differ_between_languages() -> None:
    problems = problems_of(lambda d: d["consent"]["documents"]["es"]["comprehension"][0].update(answer=1))
    assert problems == ["consent.documents.es.comprehension[0].answer: The right answer must be the same choice "
                        "as in en."]  # fmt: skip


def test_it_refuses_two_codes_of_one_parent_with_one_name_and_a_bad_colour() -> None:
    def change(data: dict[str, Any]) -> None:
        data["codebook"]["codes"].append({"key": "sleep-2", "name": "Sleep", "colour": "blue"})

    assert problems_of(change) == [
        "codebook.codes[1].colour: 'blue' is not a colour of the form #RRGGBB.",
        "codebook.codes[1].name: “Sleep” is used twice: each name among codes with the same parent must be unique.",
    ]


def test_it_refuses_a_safety_contact_that_cannot_be_reached_and_an_unknown_country() -> None:
    def change(data: dict[str, Any]) -> None:
        data["safety"]["safety_contacts"][0]["email"] = ""
        data["safety"]["crisis_resources"][0]["country"] = "XX"

    assert problems_of(change) == [
        "safety.safety_contacts[0]: Give an e-mail address or a phone number, so the contact can be reached.",
        "safety.crisis_resources[0].country: “XX” is not an ISO 3166 country code (such as GB, IN, MX).",
    ]


def test_a_document_copy_is_not_changed_by_validation() -> None:
    data = small_setup()
    before = copy.deepcopy(data)
    validate_setup(data)
    assert data == before


# Reading an uploaded file ---------------------------------------------------------------------------------------


def test_it_reads_an_exported_file_back() -> None:
    assert read_setup(dump_setup(small_setup()).encode()) == small_setup()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a: 1\x00", "NUL"),
        (b"\xff\xfe", "UTF-8"),
        (b"a: [1, 2\n", "Line 2, column 1: this is not valid YAML"),
        (b"a: &x [1]\nb: *x\n", "Line 2: anchors and aliases"),
        (b"a: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
        (b"#" * (1024 * 1024 + 1), "larger than 1 MB"),
    ],
)
def test_it_refuses_a_file_it_cannot_read_safely(content: bytes, message: str) -> None:
    with pytest.raises(UnreadableSetup, match=message):
        read_setup(content)


PROTOCOL = {
    "questions": [{"en": "Are you safe right now?", "es": "¿Está a salvo ahora?"}],
    "alert_at_once": ["urgent_help"],
    "follow_up_after": ["stop", "urgent_help"],
    "follow_up_hours": 6,
    "follow_up_channel": "video",
}


def test_the_distress_protocol_travels_with_the_setup(someone: User) -> None:
    data = small_setup()
    data["safety"]["distress_protocol"] = PROTOCOL
    study = import_setup(data=data, owner=someone, title="", slug="")
    protocol = DistressProtocol.objects.get(study=study)
    assert (protocol.notify_outcomes, protocol.follow_up_hours, protocol.follow_up_channel) == (
        ["urgent_help"],
        6,
        "video",
    )
    assert export_setup(study=study)["safety"]["distress_protocol"] == PROTOCOL
    assert (
        "distress_protocol"
        not in export_setup(study=import_setup(data=small_setup(), owner=someone, title="x", slug="x"))["safety"]
    )


def test_a_protocol_with_an_unknown_outcome_a_foreign_language_or_too_many_hours_is_refused() -> None:
    def change(data: dict[str, Any]) -> None:
        data["safety"]["distress_protocol"] = {
            **PROTOCOL,
            "questions": [{"en": "Safe?", "fr": "Ça va ?"}],
            "alert_at_once": ["panic"],
            "follow_up_hours": 400,
            "follow_up_channel": "pigeon",
        }

    problems = problems_of(change)
    where = "safety.distress_protocol"
    assert any(p.startswith(f"{where}.questions[0].fr: Not a language of the study") for p in problems)
    assert any(p.startswith(f"{where}.alert_at_once[0]: Not an outcome") for p in problems)
    assert any(p.startswith(f"{where}.follow_up_hours: ") for p in problems)
    assert any(p.startswith(f"{where}.follow_up_channel: Not a channel") for p in problems)


def test_a_protocol_question_missing_a_study_language_rolls_the_import_back(someone: User) -> None:
    data = small_setup()
    data["safety"]["distress_protocol"] = {"questions": [{"en": "Are you safe?"}]}
    with pytest.raises(SetupInvalid, match="no text in"):
        import_setup(data=data, owner=someone, title="", slug="half-protocol")
    assert not Study.objects.filter(slug="half-protocol").exists()


RUNNING: dict[str, Any] = {
    "compensation": {
        "amount": "25.00",
        "currency": "USD",
        "method": "gift_card",
        "earned_when": "interview_done",
        "descriptions": {"en": "A US$25 voucher after the interview.", "es": "Un vale de 25 US$ tras la entrevista."},
    },
    "messages": [
        {"kind": "nudge_consent", "language": "es", "subject": "Recordatorio", "body": "Hola {code}: {link}"},
    ],
}


def test_the_plan_messages_reminders_and_member_checking_travel_with_the_setup(someone: User) -> None:
    data = {**small_setup(), **RUNNING}
    data["study"].update(nudge_after_days=2, nudge_max_count=1, member_check_raw=True)
    study = import_setup(data=data, owner=someone, title="", slug="")
    assert (study.nudge_after_days, study.nudge_max_count, study.member_check_raw) == (2, 1, True)
    assert CompensationPlan.objects.get(study=study).currency == "USD"
    assert MessageTemplate.objects.get(study=study).body == "Hola {code}: {link}"
    exported = export_setup(study=study)
    assert exported["compensation"] == RUNNING["compensation"]
    assert exported["messages"] == RUNNING["messages"]
    assert (exported["study"]["nudge_after_days"], exported["study"]["member_check_raw"]) == (2, True)


def test_a_wrong_plan_or_message_is_named_by_path_and_creates_nothing(someone: User) -> None:
    def change(data: dict[str, Any]) -> None:
        data["compensation"] = {**RUNNING["compensation"], "method": "cheque", "amount": [25]}
        data["messages"] = [{"kind": "nudge_consent", "language": "fr", "subject": "Hi", "body": "{name}"}]

    problems = problems_of(change)
    assert any(p.startswith("compensation.method: Expected one of") for p in problems)
    assert any(p.startswith("compensation.amount: ") for p in problems)
    assert any(p.startswith("messages[0].language: Expected one of") for p in problems)
    assert any(p.startswith("messages[0].body: {name} is not a placeholder") for p in problems)
    data = {**small_setup(), "compensation": {**RUNNING["compensation"], "currency": "XYZ"}}
    with pytest.raises(SetupInvalid, match="compensation: "):
        import_setup(data=data, owner=someone, title="", slug="bad-currency")
    assert not Study.objects.filter(slug="bad-currency").exists()
