"""Pure helpers of `load_demo_study`: reading the seed files, upserting by natural key, shaping seed data.

(A module name starting with "_" is not a management command.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import CommandError
from django.db import models

from coding.codetree import CodeNode
from coding.models import Code

# Code GUIDs are uuid5(CODE_NAMESPACE, "<slug>/<key>/<key>..."): stable across loads and machines.
CODE_NAMESPACE = uuid.UUID("6f1d8c2e-8a4b-4f0e-9a57-2d4c1b7e3f10")
# libyaml's safe loader when PyYAML was built with it (ten times faster), else the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_seeds(folder: Path) -> dict[str, Any]:
    """The seed files of one study, by file stem (study, screening, consent, codebook, participants)."""
    names = ("study", "screening", "consent", "interview_guide", "codebook", "participants")
    try:
        return {name: yaml.load((folder / f"{name}.yaml").read_bytes(), Loader=SAFE_LOADER) for name in names}  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError) as error:
        raise CommandError(f"Cannot read the seed files in {folder}: {error}") from error


def upsert(
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    create: Callable[[], models.Model] | None = None,
) -> tuple[Any, str]:
    """Find the row by its natural key; create it, update the fields that differ, or leave it alone.

    `create` is the service that makes a missing row (with the lookup fields at least); fields it does not
    take are then set like an update. Without it the row is created here.
    """
    row, state = model._default_manager.filter(**lookup).first(), "updated"
    if row is None:
        if create is None:
            return model._default_manager.create(**lookup, **values), "created"
        row, state = create(), "created"
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, values[name])
        row.save(update_fields=[*changed, "updated_at"])
    return row, state if changed or state == "created" else "unchanged"


def question_values(question: dict[str, Any], position: int) -> dict[str, Any]:
    return {
        "position": position,
        "kind": question["kind"],
        "text": question["text"],
        "help_text": question.get("help_text", {}),
        "choices": question.get("choices", []),
        "required": question.get("required", True),
        "min_value": question.get("min_value"),
        "max_value": question.get("max_value"),
        "show_if_key": question.get("show_if_key", ""),
        "show_if_values": question.get("show_if_values", []),
        "is_risk_item": question.get("risk_item", False),
        "risk_values": question.get("risk_values", []),
        "is_attention_check": question.get("attention_check", False),
        "attention_answer": question.get("attention_answer", ""),
    }


def guide_text(guide: dict[str, Any]) -> str:
    """The interview guide as plain text with Markdown-style lists, for a memo."""
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
    here = (*path, data["key"])
    return CodeNode(
        name=data["name"],
        guid=uuid.uuid5(CODE_NAMESPACE, "/".join((slug, *here))),
        definition=data.get("definition", ""),
        when_to_use=data.get("when_to_use", ""),
        when_not_to_use=data.get("when_not_to_use", ""),
        example=data.get("example", ""),
        colour=data.get("colour", ""),
        children=[code_node(slug, child, here) for child in data.get("children", [])],
    )


def code_fields(code: Code | CodeNode, parent: uuid.UUID | None) -> tuple[Any, ...]:
    fields = ("name", "definition", "when_to_use", "when_not_to_use", "example", "colour", "is_codable")
    return (*(getattr(code, name) for name in fields), parent)


def flatten(nodes: list[CodeNode], parent: uuid.UUID | None) -> dict[uuid.UUID, tuple[Any, ...]]:
    found: dict[uuid.UUID, tuple[Any, ...]] = {}
    for node in nodes:
        found[node.guid] = code_fields(node, parent)
        found.update(flatten(node.children, node.guid))
    return found
