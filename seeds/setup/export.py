"""`export_setup`: a study's whole set-up as a set-up document, and the document as YAML.

Only the set-up travels: never participants, answers, consents signed, recordings, transcripts, codings, team
members, slots (they are dates of one study) or the team's memos. Defaults are left out, as in the demo seed files,
so an export reads like them and the same set-up always gives the same file.
"""

from __future__ import annotations

from typing import Any

import yaml
from django.db import transaction
from django.http import HttpRequest
from django.utils.text import slugify

from accounts.audit import record_event
from coding.codetree import CodeNode, tree_from_study
from seeds.setup.shapes import FORMAT, VERSION
from studies.models import CompensationPlan, DistressProtocol, Question, Questionnaire, Study
from studies.services import consent_setup as consent

# Question fields by the file's name, with the value the file leaves out.
QUESTION_DEFAULTS: tuple[tuple[str, str, Any], ...] = (
    ("help_text", "help_text", {}),
    ("choices", "choices", []),
    ("required", "required", True),
    ("min_value", "min_value", None),
    ("max_value", "max_value", None),
    ("conditions", "conditions", []),
    ("condition_match", "condition_match", "all"),
    ("rows", "rows", []),
    ("calculation", "calculation", ""),
    ("min_length", "min_length", None),
    ("max_length", "max_length", None),
    ("pattern", "pattern", ""),
    ("validation_message", "validation_message", {}),
    ("risk_item", "is_risk_item", False),
    ("risk_values", "risk_values", []),
    ("attention_check", "is_attention_check", False),
    ("attention_answer", "attention_answer", ""),
)
CODE_TEXTS = ("definition", "when_to_use", "when_not_to_use", "example", "colour")
RESOURCE_FIELDS = ("country", "language", "phone", "url", "description")


def export_setup(*, study: Study) -> dict[str, Any]:
    """The study's set-up as a document that `validate_setup` accepts and `import_setup` reads (a read only)."""
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "study": _study(study)}
    screening = study.questionnaires.filter(kind=Questionnaire.Kind.SCREENING).first()
    document["eligibility"] = _rules(screening) if screening else []
    document["quotas"] = [_stratum(stratum) for stratum in study.strata.order_by("id")]
    if screening is not None:
        document["screening"] = _questionnaire(screening)
    later = study.questionnaires.exclude(kind=Questionnaire.Kind.SCREENING).order_by("id")
    if later:
        document["questionnaires"] = [
            {"kind": q.kind, "available_from": q.available_from, **_questionnaire(q)} for q in later
        ]
    consent_section = _consent(study)
    if consent_section is not None:
        document["consent"] = consent_section
    document["interview_guide"] = {"voice_questions": _voice_questions(study)}
    document["codebook"] = {"codes": _codes(tree_from_study(study.id))}
    document["safety"] = _safety(study)
    plan = CompensationPlan.objects.filter(study=study).first()
    if plan is not None:
        document["compensation"] = {
            "amount": f"{plan.amount:.2f}",
            "currency": plan.currency,
            "method": plan.method,
            "earned_when": plan.earned_when,
            "descriptions": {code: text for code, text in plan.descriptions.items() if text},
        }
    messages = [
        {"kind": t.kind, "language": t.language, "subject": t.subject, "body": t.body}
        for t in study.message_templates.order_by("kind", "language")
    ]
    if messages:
        document["messages"] = messages
    return document


def _study(study: Study) -> dict[str, Any]:
    languages = list(study.languages or ["en"])
    data: dict[str, Any] = {
        "title": study.title,
        "languages": languages,
        "target_sample_size": study.target_sample_size,
        "quota_stage": study.quota_stage,
    }
    optional = {
        "descriptions": {code: text for code, text in study.descriptions.items() if text and code in languages},
        "ethics_reference": study.ethics_reference,
        "contact_email": study.contact_email,
        "video_call_base_url": study.video_call_base_url,
        "raw_audio_retention_days": study.raw_audio_retention_days,
        "contact_retention_days": study.contact_retention_days,
    }
    data.update({name: value for name, value in optional.items() if value not in ("", None, {})})
    data.update(nudge_after_days=study.nudge_after_days, nudge_max_count=study.nudge_max_count)
    if study.member_check_raw:
        data["member_check_raw"] = True
    if study.deid_keep_terms is not None:  # absent: the platform's list, with its later additions
        data["deid_keep_terms"] = list(study.deid_keep_terms)
    if not study.deid_keep_countries:
        data["deid_keep_countries"] = False
    return data


def _rules(questionnaire: Questionnaire) -> list[dict[str, Any]]:
    rules = []
    for rule in questionnaire.rules.order_by("id"):
        item = {"key": rule.key, "operator": rule.operator, "value": rule.value}
        rules.append({**item, "description": rule.description} if rule.description else item)
    return rules


def _stratum(stratum: Any) -> dict[str, Any]:
    data = {"name": stratum.name, "key": stratum.key, "values": stratum.values}
    if stratum.conditions:
        data["conditions"] = [{"key": c["key"], "values": c["values"]} for c in stratum.conditions]
    return {**data, "target": stratum.target, "maximum": stratum.maximum}


def _questionnaire(questionnaire: Questionnaire) -> dict[str, Any]:
    questions = questionnaire.questions.select_related("section").order_by("position", "id")
    data: dict[str, Any] = {
        "title": questionnaire.title,
        "min_completion_seconds": questionnaire.min_completion_seconds,
        "questions": [_question(question) for question in questions],
    }
    sections = [{"key": s.key, "title": s.title} for s in questionnaire.sections.order_by("position", "id")]
    if sections:
        data["sections"] = sections
    return data


def _question(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"key": question.key, "kind": question.kind, "text": question.text}
    for name, field, default in QUESTION_DEFAULTS:
        value = getattr(question, field)
        if value != default:
            data[name] = value
    if question.section is not None:
        data["section"] = question.section.key
    return data


def _consent(study: Study) -> dict[str, Any] | None:
    """What the consent editor starts from: the saved draft, else the latest published version. A label that is
    the platform's own for a well-known item is left out (the import gets it back the same way)."""
    draft, _version = consent.editable_draft(study)
    languages = list(study.languages or ["en"])
    written = [code for code in languages if draft.titles.get(code, "").strip() or draft.bodies.get(code, "").strip()]
    if not (written or draft.items or draft.questions):
        return None
    items: dict[str, dict[str, Any]] = {}
    for item in draft.items:
        labels = {
            code: item.labels[code]
            for code in languages
            if item.labels.get(code, "").strip() and item.labels[code] != consent.default_label(item.key, code)
        }
        items[item.key] = {"required": item.required, **({"label": labels} if labels else {})}
    documents = {code: _document(draft, code) for code in written}
    return {"items": items, "documents": documents}


def _document(draft: consent.ConsentDraft, language: str) -> dict[str, Any]:
    questions = []
    for question in draft.questions:
        count = max((len(choices) for choices in question.choices.values()), default=0)
        # A question not yet translated keeps its place (the questions match by position) with empty texts.
        choices = question.choices.get(language) or [""] * count
        questions.append({"question": question.texts.get(language, ""), "choices": choices, "answer": question.answer})
    return {"title": draft.titles.get(language, ""), "body": draft.bodies.get(language, ""), "comprehension": questions}


def _voice_questions(study: Study) -> list[dict[str, Any]]:
    return [
        {"max_seconds": question.max_seconds, "prompt": question.prompt}
        for question in study.guide_questions.order_by("position")
    ]


def _codes(nodes: list[CodeNode]) -> list[dict[str, Any]]:
    """Codes with a key made from the name (unique among siblings): the import derives new GUIDs from the keys."""
    codes, taken = [], set()
    for node in nodes:
        key = base = slugify(node.name)[:90] or "code"
        number = 1
        while key in taken:
            number += 1
            key = f"{base}-{number}"
        taken.add(key)
        data: dict[str, Any] = {"key": key, "name": node.name}
        data.update({name: getattr(node, name) for name in CODE_TEXTS if getattr(node, name)})
        if not node.is_codable:
            data["is_codable"] = False
        if node.children:
            data["children"] = _codes(node.children)
        codes.append(data)
    return codes


def _safety(study: Study) -> dict[str, Any]:
    contacts = [
        {"name": contact.name, **_filled(email=contact.email, phone=contact.phone, notes=contact.notes)}
        for contact in study.safety_contacts.order_by("position", "id")
    ]
    resources = [
        {"name": resource.name, **_filled(**{name: getattr(resource, name) for name in RESOURCE_FIELDS})}
        for resource in study.crisis_resources.order_by("position", "id")
    ]
    section: dict[str, Any] = {"safety_contacts": contacts, "crisis_resources": resources}
    protocol = DistressProtocol.objects.filter(study=study).first()
    if protocol is not None:  # the study's own; without one the platform's applies (its assignee: not a set-up)
        section["distress_protocol"] = {
            "questions": list(protocol.questions),
            "alert_at_once": list(protocol.notify_outcomes),
            "follow_up_after": list(protocol.follow_up_outcomes),
            "follow_up_hours": protocol.follow_up_hours,
            "follow_up_channel": protocol.follow_up_channel,
        }
    return section


def _filled(**values: str) -> dict[str, str]:
    return {name: value for name, value in values.items() if value}


class _Dumper(yaml.SafeDumper):
    """Texts of several lines as literal blocks (|), as people write them."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def dump_setup(document: dict[str, Any]) -> str:
    """The document as YAML text (UTF-8 as it is, keys in the document's order)."""
    header = "# Interview platform set-up file (format and sections: seeds/README.md).\n"
    body = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
    return header + body


@transaction.atomic
def export_setup_file(*, study: Study, request: HttpRequest | None = None) -> str:
    """The study's set-up file as YAML text. Audited: a protocol leaving the platform is worth knowing about."""
    text = dump_setup(export_setup(study=study))
    record_event(action="study.setup_exported", request=request, study_id=study.pk, target=study,
                 detail={"version": VERSION})  # fmt: skip
    return text
