"""Pure helpers of `load_demo_study`: reading the seed files, upserting by natural key, comparing codebooks. How a
set-up part becomes rows (questions, guide, codes) is seeds.setup.shapes, shared with the set-up file import.

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

# libyaml's safe loader when PyYAML was built with it (ten times faster), else the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_seeds(folder: Path) -> dict[str, Any]:
    """The seed files of one study, by file stem (study, screening, consent, interview_guide, codebook, safety,
    participants, and coding where there is one)."""
    names = ("study", "screening", "consent", "interview_guide", "codebook", "safety", "participants")
    # Optional: transcripts that arrive coded (seeds.management.commands._demo_coding).
    optional = tuple(name for name in ("coding",) if (folder / f"{name}.yaml").exists())
    try:
        files = {name: (folder / f"{name}.yaml").read_bytes() for name in (*names, *optional)}
        return {name: yaml.load(text, Loader=SAFE_LOADER) for name, text in files.items()}  # noqa: S506 - a safe loader
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


def code_fields(code: Code | CodeNode, parent: uuid.UUID | None) -> tuple[Any, ...]:
    fields = ("name", "definition", "when_to_use", "when_not_to_use", "example", "colour", "is_codable")
    return (*(getattr(code, name) for name in fields), parent)


def flatten(nodes: list[CodeNode], parent: uuid.UUID | None) -> dict[uuid.UUID, tuple[Any, ...]]:
    found: dict[uuid.UUID, tuple[Any, ...]] = {}
    for node in nodes:
        found[node.guid] = code_fields(node, parent)
        found.update(flatten(node.children, node.guid))
    return found
