"""The set-up format's names and the ways its parts become rows, shared by the import and the demo loader.

A set-up file is one YAML document: `format`, `version`, and the sections of the demo seed files with the same keys
and shapes (seeds/README.md). The demo loader builds the same document from its files (`setup_from_seeds`), so
both go through one validation and one reading of each part.
"""

from __future__ import annotations

import uuid
from typing import Any

from coding.codetree import CodeNode

FORMAT = "interview-platform-setup"
VERSION = 1
SECTIONS = (
    "study",
    "eligibility",
    "quotas",
    "screening",
    "questionnaires",
    "consent",
    "interview_guide",
    "codebook",
    "safety",
    "compensation",
    "messages",
)
# Code GUIDs are uuid5(CODE_NAMESPACE, "<study slug>/<key>/<key>..."): stable across loads and machines.
CODE_NAMESPACE = uuid.UUID("6f1d8c2e-8a4b-4f0e-9a57-2d4c1b7e3f10")
# The study.yaml `study:` keys that belong to one running study, not to its set-up.
NOT_SETUP = ("slug", "status")
# The interviewer's script of an interview guide (the demo loader's memo); all or none of these.
SCRIPT_KEYS = ("title", "duration_minutes", "opening", "sections", "closing")
DEFAULT_ANSWER_SECONDS = 180


def setup_from_seeds(seeds: dict[str, Any]) -> dict[str, Any]:
    """The set-up document held by a demo seed folder (files by stem, as `read_seeds` returns them)."""
    study_file = seeds["study"]
    return {
        "format": FORMAT,
        "version": VERSION,
        "study": {name: value for name, value in study_file["study"].items() if name not in NOT_SETUP},
        "eligibility": study_file.get("eligibility", []),
        "quotas": study_file.get("quotas", []),
        "screening": seeds["screening"],
        "consent": seeds["consent"],
        "interview_guide": seeds["interview_guide"],
        "codebook": seeds["codebook"],
        "safety": seeds["safety"],
    }


def conditions_of(question: dict[str, Any]) -> list[dict[str, Any]]:
    """The question's conditions; a file written before them says `show_if_key` and `show_if_values` (shown when
    that answer is any of the values)."""
    if "conditions" in question:
        return [dict(condition) for condition in question["conditions"]]
    key = question.get("show_if_key", "")
    return (
        [{"key": key, "op": "eq", "value": str(value)} for value in question.get("show_if_values", [])] if key else []
    )


def question_values(question: dict[str, Any], position: int) -> dict[str, Any]:
    """A question of the file as `studies.Question` fields (the file leaves defaults out)."""
    return {
        "position": position,
        "kind": question["kind"],
        "text": question["text"],
        "help_text": question.get("help_text", {}),
        "choices": question.get("choices", []),
        "required": question.get("required", True),
        "min_value": question.get("min_value"),
        "max_value": question.get("max_value"),
        "conditions": conditions_of(question),
        "condition_match": question.get("condition_match", "any" if question.get("show_if_key") else "all"),
        "rows": question.get("rows", []),
        "calculation": question.get("calculation", ""),
        "min_length": question.get("min_length"),
        "max_length": question.get("max_length"),
        "pattern": question.get("pattern", ""),
        "validation_message": question.get("validation_message", {}),
        "is_risk_item": question.get("risk_item", False),
        "risk_values": question.get("risk_values", []),
        "is_attention_check": question.get("attention_check", False),
        "attention_answer": question.get("attention_answer", ""),
    }


def document_items(items: dict[str, Any], language: str) -> dict[str, dict[str, Any]]:
    """The consent items of the file ({key: {required, label: {language: text}}}) as one language's document holds
    them ({key: {"required": bool, "position": int, "label": text}}); without a label in that language the
    platform's own is shown."""
    result: dict[str, dict[str, Any]] = {}
    for position, (key, item) in enumerate(items.items()):
        result[key] = {"required": bool(item.get("required", False)), "position": position}
        label = (item.get("label") or {}).get(language, "")
        if label.strip():
            result[key]["label"] = label.strip()
    return result


def guide_text(guide: dict[str, Any]) -> str:
    """The interviewer's script of a guide as plain text with Markdown-style lists, for a memo."""
    lines = [f"{guide['title']} (about {guide['duration_minutes']} minutes)", "", "Opening:"]
    lines += [f"- {step}" for step in guide["opening"]]
    for number, section in enumerate(guide["sections"], start=1):
        lines += ["", f"{number}. {section['title']}"]
        for question in section["questions"]:
            lines.append(f"- {question['text']}")
            lines += [f"  - Probe: {probe}" for probe in question.get("probes", [])]
    lines += ["", "Closing:", *(f"- {step}" for step in guide["closing"])]
    return "\n".join(lines)


def code_node(slug: str, data: dict[str, Any], path: tuple[str, ...]) -> CodeNode:
    """A code of the file (and its children) as a tree node whose GUID comes from the study slug and the keys."""
    here = (*path, data["key"])
    return CodeNode(
        name=data["name"],
        guid=uuid.uuid5(CODE_NAMESPACE, "/".join((slug, *here))),
        definition=data.get("definition", ""),
        when_to_use=data.get("when_to_use", ""),
        when_not_to_use=data.get("when_not_to_use", ""),
        example=data.get("example", ""),
        colour=data.get("colour", ""),
        is_codable=data.get("is_codable", True),
        children=[code_node(slug, child, here) for child in data.get("children", [])],
    )
