"""`import_setup` and `clone_study`: a new draft study from a set-up document, in one transaction.

Every part is written through the service the team's own pages use (study creation, the questionnaire builder,
the quota, consent and safety editors, the guide, the codebook import), so an imported study has passed the same
checks and left the same audit entries as one built by hand. The document is validated as a whole first; a service
refusing anything after that rolls the whole study back, so nothing is ever half made.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from accounts.audit import record_event
from accounts.models import User
from coding.codetree import CodebookError
from coding.services import import_codebook
from coding.services.codings import CodingError, write_memo
from review.services import identifiers
from seeds.setup.export import export_setup
from seeds.setup.questions import question_fields
from seeds.setup.shapes import DEFAULT_ANSWER_SECONDS, SCRIPT_KEYS, VERSION, code_node, guide_text
from seeds.setup.validate import validate_setup
from studies.models import CompensationPlan, Questionnaire, SafetyEvent, Study
from studies.services import consent_setup as consent
from studies.services import guide, incentives, message_templates, nudges, quota_setup, safety_setup, sections
from studies.services import questionnaires as builder
from studies.services.distress_protocol import ProtocolError, save_protocol
from studies.services.study_setup import StudySettings, create_draft_study

SERVICE_ERRORS = (
    builder.QuestionnaireError,
    quota_setup.QuotaSetupError,
    consent.ConsentSetupError,
    safety_setup.SafetySetupError,
    ProtocolError,
    guide.GuideError,
    CodebookError,
    CodingError,
    incentives.IncentiveError,
    message_templates.MessageTemplateError,
)


class SetupInvalid(Exception):
    """The document cannot become a study: `problems` are "path: message" lines. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@transaction.atomic
def import_setup(*, data: Any, owner: User, title: str, slug: str, request: HttpRequest | None = None) -> Study:
    """A new draft study called `title` at `slug` (made from the title when empty), owned by `owner`, with the
    document's whole set-up. Raises SetupInvalid (every problem) or StudySetupError (the slug is taken).

    The caller has checked that `owner` may create studies.
    """
    problems = validate_setup(data)
    if problems:
        raise SetupInvalid(problems)
    study = _build(data=data, owner=owner, title=title, slug=slug, request=request)
    detail = {"study_id": study.pk, "version": data["version"]}
    record_event(action="study.setup_imported", actor=owner, request=request, study_id=study.pk, target=study,
                 detail=detail)  # fmt: skip
    return study


@transaction.atomic
def clone_study(*, study: Study, owner: User, title: str, slug: str, request: HttpRequest | None = None) -> Study:
    """A new draft study with `study`'s set-up (export and import in one step; no participants, no team but
    `owner`). The caller has checked that `owner` owns `study` and may create studies."""
    data = export_setup(study=study)
    problems = validate_setup(data)
    if problems:
        # An export the import cannot read is the platform's fault, not the team's: say what, write nothing.
        raise SetupInvalid(problems)
    clone = _build(data=data, owner=owner, title=title, slug=slug, request=request)
    detail = {"source_study_id": study.pk, "study_id": clone.pk, "version": VERSION}
    record_event(action="study.cloned", actor=owner, request=request, study_id=clone.pk, target=clone, detail=detail)
    return clone


def _build(*, data: dict[str, Any], owner: User, title: str, slug: str, request: HttpRequest | None) -> Study:
    study = create_draft_study(creator=owner, values=_settings(data["study"], title), slug=slug, request=request)
    parts = (
        ("screening", _screening),
        ("questionnaires", _questionnaires),
        ("quotas", _quotas),
        ("consent", _consent),
        ("codebook", _codebook),
        ("interview_guide", _guide),
        ("safety", _safety),
        ("compensation", _compensation),
        ("messages", _messages),
    )
    if {"nudge_after_days", "nudge_max_count"} & set(data["study"]):
        nudges.update_reminder_settings(
            study=study,
            after_days=data["study"].get("nudge_after_days", study.nudge_after_days),
            max_count=data["study"].get("nudge_max_count", study.nudge_max_count),
            user=owner,
            request=request,
        )
        study.refresh_from_db()
    if {"deid_keep_terms", "deid_keep_countries"} & set(data["study"]):
        terms = data["study"].get("deid_keep_terms", identifiers.keep_terms_of(study))
        countries = bool(data["study"].get("deid_keep_countries", True))
        identifiers.set_keep_terms(
            study=study, terms=[" ".join(str(t).split()) for t in terms], keep_countries=countries
        )
        study.refresh_from_db()
    for section, write in parts:
        if section not in data:
            continue
        try:
            write(study=study, data=data, owner=owner, request=request)
        except SERVICE_ERRORS as error:
            raise SetupInvalid([f"{section}: {error}"]) from error
    return study


def _settings(data: dict[str, Any], title: str) -> StudySettings:
    defaults = StudySettings(title=title, languages=data["languages"])
    return StudySettings(
        title=title.strip() or data["title"],
        languages=list(data["languages"]),
        descriptions=dict(data.get("descriptions", {})),
        target_sample_size=data.get("target_sample_size", defaults.target_sample_size),
        ethics_reference=data.get("ethics_reference", ""),
        contact_email=data.get("contact_email", ""),
        raw_audio_retention_days=data.get("raw_audio_retention_days"),
        contact_retention_days=data.get("contact_retention_days"),
        quota_stage=data.get("quota_stage", defaults.quota_stage),
        video_call_base_url=data.get("video_call_base_url", ""),
        member_check_raw=bool(data.get("member_check_raw", False)),
    )


def _questionnaire(
    *, study: Study, data: dict[str, Any], kind: str, available_from: str, request: HttpRequest | None
) -> Questionnaire:
    questionnaire = builder.create_questionnaire(
        study=study,
        kind=kind,
        title=data["title"],
        available_from=available_from,
        min_completion_seconds=data.get("min_completion_seconds", builder.DEFAULT_MIN_COMPLETION_SECONDS),
    )
    made = {
        item["key"]: sections.create_section(
            questionnaire=questionnaire, key=item["key"], title=item["title"], request=request
        )
        for item in data.get("sections", [])
    }
    for question in data["questions"]:
        fields = question_fields(question)
        fields["section_id"] = made[question["section"]].pk if question.get("section") else None
        builder.create_question(questionnaire=questionnaire, fields=fields, request=request)
    return questionnaire


def _screening(*, study: Study, data: dict[str, Any], owner: User, request: HttpRequest | None) -> None:
    kind, stage = Questionnaire.Kind.SCREENING, Questionnaire.Stage.CONSENTED
    screening = _questionnaire(study=study, data=data["screening"], kind=kind, available_from=stage, request=request)
    for rule in data.get("eligibility", []):
        builder.create_rule(questionnaire=screening, key=rule["key"], operator=rule["operator"], value=rule["value"],
                            description=rule.get("description", ""), request=request)  # fmt: skip


def _questionnaires(*, study: Study, data: dict[str, Any], owner: User, request: HttpRequest | None) -> None:
    for item in data["questionnaires"]:
        stage = item["available_from"]
        _questionnaire(study=study, data=item, kind=item["kind"], available_from=stage, request=request)


def _quotas(*, study: Study, data: dict[str, Any], owner: User, request: HttpRequest | None) -> None:
    for quota in data["quotas"]:
        draft = quota_setup.StratumDraft(
            name=quota["name"],
            key=quota["key"],
            values=list(quota["values"]),
            target=quota["target"],
            maximum=quota["maximum"],
            conditions=list(quota.get("conditions", [])),
        )
        quota_setup.create_stratum(study=study, draft=draft, request=request)


def _consent(*, study: Study, data: dict[str, Any], owner: User, request: HttpRequest | None) -> None:
    """Saved as the consent editor's draft, and published when every study language has every text (else the team
    finishes it in the editor, which lists what is missing)."""
    section, languages = data["consent"], list(study.languages)
    documents = section["documents"]
    if not documents and not section["items"]:
        return
    draft = consent.ConsentDraft(
        titles={language: document["title"] for language, document in documents.items()},
        bodies={language: document["body"] for language, document in documents.items()},
        items=[
            consent.DraftItem(key=key, required=item["required"], labels=dict(item.get("label", {})))
            for key, item in section["items"].items()
        ],
        questions=_comprehension(documents, languages),
    )
    version = consent.save_consent_draft(study=study, draft=draft, request=request)
    saved = consent.draft_from_documents(consent.draft_documents(study), languages)
    if not consent.missing_translations(draft=saved, languages=languages):
        consent.publish_consent_draft(study=study, version=version, request=request)


def _comprehension(documents: dict[str, Any], languages: list[str]) -> list[consent.DraftQuestion]:
    """The questions of every language side by side (the check made sure they match)."""
    written = [language for language in languages if language in documents]
    count = max((len(documents[language].get("comprehension", [])) for language in written), default=0)
    questions = []
    for index in range(count):
        asked = {
            language: documents[language]["comprehension"][index]
            for language in written
            if index < len(documents[language].get("comprehension", []))
        }
        questions.append(
            consent.DraftQuestion(
                texts={language: item["question"] for language, item in asked.items()},
                choices={language: list(item["choices"]) for language, item in asked.items()},
                answer=next(iter(asked.values()))["answer"],
            )
        )
    return questions


def _codebook(*, study: Study, data: dict[str, Any], owner: User, request: HttpRequest | None) -> None:
    codes = data["codebook"]["codes"]
    if codes:
        nodes = [code_node(study.slug, code, ()) for code in codes]
        import_codebook(study=study, actor=owner, nodes=nodes, source="set-up file")


def _guide(*, study: Study, data: dict[str, Any], owner: User, request: HttpRequest | None) -> None:
    section = data["interview_guide"]
    for question in section.get("voice_questions", []):
        seconds = question.get("max_seconds", DEFAULT_ANSWER_SECONDS)
        guide.add_guide_question(study=study, prompt=question["prompt"], max_seconds=seconds)
    if all(key in section for key in SCRIPT_KEYS):
        # The interviewer's script has no field of its own: like the demo loader, a free-standing memo of the owner.
        write_memo(study=study, author=owner, title=section["title"], text=guide_text(section))


def _safety(*, study: Study, data: dict[str, Any], owner: User, request: HttpRequest | None) -> None:
    section = data["safety"]
    for contact in section.get("safety_contacts", []):
        fields = safety_setup.ContactFields(
            name=contact["name"],
            email=contact.get("email", ""),
            phone=contact.get("phone", ""),
            notes=contact.get("notes", ""),
        )
        safety_setup.add_safety_contact(study=study, fields=fields, actor=owner, request=request)
    for resource in section.get("crisis_resources", []):
        values = {name: resource.get(name, "") for name in ("country", "language", "phone", "url", "description")}
        fields_ = safety_setup.ResourceFields(name=resource["name"], **values)
        safety_setup.add_crisis_resource(study=study, fields=fields_, actor=owner, request=request)
    protocol = section.get("distress_protocol")
    if protocol is not None:
        save_protocol(
            study=study,
            user=owner,
            questions=list(protocol.get("questions", [])),
            notify_outcomes=list(protocol.get("alert_at_once", [])),
            follow_up_outcomes=list(protocol.get("follow_up_after", [])),
            follow_up_hours=protocol.get("follow_up_hours", 24),
            follow_up_assignee_id=None,
            follow_up_channel=protocol.get("follow_up_channel", SafetyEvent.Channel.PHONE),
            request=request,
        )


def _compensation(*, study: Study, data: dict[str, Any], owner: User, request: HttpRequest | None) -> None:
    plan = data["compensation"]
    incentives.save_plan(
        study=study,
        user=owner,
        amount=str(plan["amount"]),
        currency=plan["currency"],
        method=plan["method"],
        earned_when=plan.get("earned_when", CompensationPlan.Trigger.INTERVIEW_DONE),
        descriptions=dict(plan.get("descriptions", {})),
        request=request,
    )


def _messages(*, study: Study, data: dict[str, Any], owner: User, request: HttpRequest | None) -> None:
    for message in data["messages"]:
        message_templates.save_message_template(
            study=study,
            kind=message["kind"],
            language=message["language"],
            subject=message["subject"],
            body=message["body"],
            user=owner,
            request=request,
        )
