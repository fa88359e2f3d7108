"""Validate bench/data/deid_sentences.yaml and print counts per language and kind.

Usage: .venv/bin/python bench/data/check_deid_sentences.py [--heldout] [path]
--heldout applies the held-out set's minimums (bench/data/deid_heldout.yaml) instead of the tuning set's.
Exits 1 and lists every problem when the file breaks the format or falls short of the required counts.
A label matches where its text occurs with no letter or digit glued on either side (in Arabic script a prefix
clitic such as the ب of "بطرابلس" may stay glued); `occurrence: n` counts those matches.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

KINDS = ("person", "place", "organisation", "facility", "date")
LANGUAGES = ("en", "es", "hi", "ar", "ur", "fr", "pt", "sw", "tl", "yo")
# Minimums from the brief; "other" is every language outside en, es and hi.
MINIMUMS = {"total": 120, "en": 50, "es": 40, "hi": 15, "other": 15}
# The held-out set is smaller; its "hi+other" counts every language outside en and es together.
HELDOUT_MINIMUMS = {"total": 100, "en": 50, "es": 40, "hi+other": 10}
MIN_EMPTY_SHARE = 0.15
SCRIPTS = {
    "hi": re.compile(r"[\u0900-\u097F]"),
    "ar": re.compile(r"[\u0600-\u06FF]"),
    "ur": re.compile(r"[\u0600-\u06FF]"),
}
CLITIC_LANGUAGES = ("ar", "ur")
ITEM_KEYS = {"id", "language", "text", "entities", "keep"}
ENTITY_KEYS = {"text", "kind", "occurrence"}
Span = tuple[int, int]


def occurrences(text: str, needle: str, *, clitics: bool = False) -> list[int]:
    """Start offsets of every occurrence of needle in text that is not glued to a letter or digit.

    With clitics, a letter may precede the match: Arabic script writes prefixes such as ب and و onto the word.
    """
    starts: list[int] = []
    at = text.find(needle)
    while at != -1:
        end = at + len(needle)
        open_before = clitics or at == 0 or not text[at - 1].isalnum()
        if open_before and (end == len(text) or not text[end].isalnum()):
            starts.append(at)
        at = text.find(needle, at + 1)
    return starts


def check_text(where: str, value: Any) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return [f"{where}: must be a non-empty string"]
    problems = []
    if value != value.strip():
        problems.append(f"{where}: leading or trailing whitespace")
    if unicodedata.normalize("NFC", value) != value:
        # Transcripts and the recognizer's output are NFC; a decomposed label would never match.
        problems.append(f"{where}: not NFC-normalised")
    return problems


def entity_spans(sid: str, text: str, entities: Any, *, clitics: bool) -> tuple[list[Span], list[str]]:
    """Resolve each labelled entity to its span; report format errors and overlapping labels."""
    if not isinstance(entities, list):
        return [], [f"{sid}: entities must be a list"]
    spans: list[Span] = []
    problems: list[str] = []
    for n, entity in enumerate(entities, 1):
        where = f"{sid} entity {n}"
        if not isinstance(entity, dict) or set(entity) - ENTITY_KEYS or not {"text", "kind"} <= set(entity):
            problems.append(f"{where}: needs text and kind (and optionally occurrence), nothing else")
            continue
        problems += check_text(where, entity["text"])
        if entity["kind"] not in KINDS:
            problems.append(f"{where}: kind {entity['kind']!r} is not one of {', '.join(KINDS)}")
        nth = entity.get("occurrence", 1)
        starts = occurrences(text, entity["text"], clitics=clitics) if isinstance(entity["text"], str) else []
        if not isinstance(nth, int) or isinstance(nth, bool) or nth < 1:
            problems.append(f"{where}: occurrence must be a positive integer")
        elif len(starts) < nth:
            problems.append(f"{where}: {entity['text']!r} occurs {len(starts)} time(s), occurrence {nth} asked")
        else:
            spans.append((starts[nth - 1], starts[nth - 1] + len(entity["text"])))
    ordered = sorted(spans)
    for (_, end), (start, _) in pairwise(ordered):
        if start < end:
            problems.append(f"{sid}: labelled entities overlap or repeat")
    return spans, problems


def inside(span: Span, spans: list[Span]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in spans)


def check_coverage(
    sid: str, text: str, entities: list[dict[str, Any]], spans: list[Span], *, clitics: bool
) -> list[str]:
    """Every occurrence of a labelled text must be labelled itself or lie inside a longer entity."""
    problems = []
    for needle in {e["text"] for e in entities if isinstance(e, dict) and isinstance(e.get("text"), str)}:
        for start in occurrences(text, needle, clitics=clitics):
            if not inside((start, start + len(needle)), spans):
                problems.append(f"{sid}: {needle!r} at offset {start} is not labelled (add an occurrence)")
    return problems


def check_keep(sid: str, text: str, keep: Any, spans: list[Span], *, clitics: bool) -> list[str]:
    if not isinstance(keep, list) or len(set(map(str, keep))) != len(keep):
        return [f"{sid}: keep must be a list of distinct strings"]
    problems = []
    for word in keep:
        problems += check_text(f"{sid} keep {word!r}", word)
        free = [s for s in occurrences(text, str(word), clitics=clitics) if not inside((s, s + len(str(word))), spans)]
        if not free:
            problems.append(f"{sid}: keep word {word!r} does not occur as a word outside the entities")
    return problems


def check_item(item: Any, seen: set[str]) -> list[str]:
    if not isinstance(item, dict) or set(item) != ITEM_KEYS:
        return [f"item {item!r:.60}: needs exactly the keys {sorted(ITEM_KEYS)}"]
    sid, language, text = str(item["id"]), item["language"], item["text"]
    problems = [] if sid not in seen else [f"{sid}: duplicate id"]
    seen.add(sid)
    if language not in LANGUAGES:
        return [*problems, f"{sid}: language {language!r} is not one of {', '.join(LANGUAGES)}"]
    if not re.fullmatch(rf"{language}-\d{{3}}", sid):
        problems.append(f"{sid}: id must be '{language}-NNN'")
    problems += check_text(f"{sid} text", text)
    if problems:
        return problems
    if language in SCRIPTS and not SCRIPTS[language].search(text):
        problems.append(f"{sid}: no {language} script in the text")
    clitics = language in CLITIC_LANGUAGES
    spans, entity_problems = entity_spans(sid, text, item["entities"], clitics=clitics)
    problems += entity_problems
    if not entity_problems:
        problems += check_coverage(sid, text, item["entities"], spans, clitics=clitics)
    return problems + check_keep(sid, text, item["keep"], spans, clitics=clitics)


def group(language: str) -> str:
    return language if language in ("en", "es", "hi") else "other"


def summarise(items: list[dict[str, Any]], minimums: dict[str, int] = MINIMUMS) -> list[str]:
    """Print the counts and return the brief's minimums that are not met."""
    languages = Counter(item["language"] for item in items)
    groups = Counter(group(item["language"]) for item in items)
    kinds = Counter(e["kind"] for item in items for e in item["entities"])
    empty = sum(1 for item in items if not item["entities"])
    keeps = sum(len(item["keep"]) for item in items)
    print(f"sentences: {len(items)}")
    print("per language: " + ", ".join(f"{lang} {languages[lang]}" for lang in LANGUAGES if languages[lang]))
    print("per group:    " + ", ".join(f"{name} {groups[name]}" for name in ("en", "es", "hi", "other")))
    print("per kind:     " + ", ".join(f"{kind} {kinds[kind]}" for kind in KINDS) + f" (total {kinds.total()})")
    print(f"keep words:   {keeps}")
    print(f"no entities:  {empty} ({empty / max(len(items), 1):.0%})")
    counts = {name: sum(groups[part] for part in name.split("+")) for name in minimums if name != "total"}
    short = [f"{name}: {counts[name]} < {minimums[name]}" for name in counts if counts[name] < minimums[name]]
    if len(items) < minimums["total"]:
        short.append(f"total: {len(items)} < {minimums['total']}")
    if empty < MIN_EMPTY_SHARE * len(items):
        short.append(f"sentences without entities: {empty} < {MIN_EMPTY_SHARE:.0%}")
    return short


def main(argv: list[str]) -> int:
    heldout = "--heldout" in argv[1:]
    args = [arg for arg in argv[1:] if arg != "--heldout"]
    path = Path(args[0]) if args else Path(__file__).with_name("deid_sentences.yaml")
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(items, list):
        print(f"{path}: the top level must be a list", file=sys.stderr)
        return 1
    seen: set[str] = set()
    problems = [problem for item in items for problem in check_item(item, seen)]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    short = summarise(items, HELDOUT_MINIMUMS if heldout else MINIMUMS)
    if short:
        print("below the brief's minimums: " + "; ".join(short), file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
