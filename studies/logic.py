"""Questionnaire logic: show-if conditions, calculated values and piping, the same on the server and in the page.

Answers are a flat mapping {key: value}: a matrix row is answered as "<question>_<row>", a multiple choice is a
list, a date "YYYY-MM-DD", a time "HH:MM", numbers are numbers. A condition on a question nobody answered (or that
was hidden) is false, except the "absent" ones (neq, not_selected, not_answered). Calculations are "${a} + ${b} * 2":
numbers, + - * /, parentheses and ${key} references, parsed here into a small tree that the participant page's
script (studies/static/studies/questionnaire.js) evaluates the same way; any unanswered reference leaves the value
empty. Only the server's result counts: it recomputes every value and every condition on submission.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, time
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from studies.models import Question

REFERENCE = re.compile(r"\$\{([-a-zA-Z0-9_]{1,60})\}")
OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte", "selected", "not_selected", "answered", "not_answered")
ABSENT_HOLDS = frozenset({"neq", "not_selected", "not_answered"})
NO_VALUE = frozenset({"answered", "not_answered"})
ORDERED = frozenset({"gt", "gte", "lt", "lte"})
MAX_CALCULATION_NODES = 200

Tree = dict[str, Any]  # {"num": 2} | {"ref": "key"} | {"op": "+", "args": [tree, tree]} | {"op": "neg", "args": [t]}


class LogicError(ValueError):
    """A condition or calculation that cannot be used; the message is for the team member."""


def references(text: str) -> list[str]:
    """The ${key} references in a text, in order, each once."""
    return list(dict.fromkeys(REFERENCE.findall(text or "")))


_BINARY: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def parse_calculation(text: str) -> Tree:
    """The calculation as a tree, or LogicError saying what is wrong with it."""
    keys = references(text)
    placeholders = {key: f"_ref{index}" for index, key in enumerate(keys)}
    source = REFERENCE.sub(lambda match: placeholders[match.group(1)], text or "")
    if not source.strip():
        raise LogicError(_("Write the calculation, such as ${first} + ${second}."))
    if len(text) > 500:
        raise LogicError(_("A calculation has at most 500 characters."))
    try:
        parsed = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        raise LogicError(_("This calculation cannot be read: use numbers, ${key}, + - * / and brackets.")) from None
    names = {placeholder: key for key, placeholder in placeholders.items()}
    count = sum(1 for _node in ast.walk(parsed))
    if count > MAX_CALCULATION_NODES:
        raise LogicError(_("This calculation is too long: split it into several calculated values."))
    return _tree(parsed, names)


def _tree(node: ast.AST, names: dict[str, str]) -> Tree:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return {"num": node.value}
    if isinstance(node, ast.Name) and node.id in names:
        return {"ref": names[node.id]}
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return {"op": _BINARY[type(node.op)], "args": [_tree(node.left, names), _tree(node.right, names)]}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _tree(node.operand, names)
        return {"op": "neg", "args": [inner]} if isinstance(node.op, ast.USub) else inner
    raise LogicError(_("This calculation cannot be read: use numbers, ${key}, + - * / and brackets."))


def tree_refs(tree: Tree) -> list[str]:
    if "ref" in tree:
        return [tree["ref"]]
    return [key for arg in tree.get("args", []) for key in tree_refs(arg)]


def number(value: Any) -> float | None:
    """An answer as a number (a choice's numeric value included), or None."""
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def evaluate(tree: Tree, answers: Mapping[str, Any]) -> float | None:
    """The calculation's value, or None when a reference is unanswered or it divides by zero."""
    if "num" in tree:
        return float(tree["num"])
    if "ref" in tree:
        return number(answers.get(tree["ref"]))
    found = [evaluate(arg, answers) for arg in tree["args"]]
    values = [value for value in found if value is not None]
    if len(values) < len(found):
        return None
    if tree["op"] == "neg":
        return -values[0]
    left, right = values
    if tree["op"] == "/":
        return None if right == 0 else left / right
    return left + right if tree["op"] == "+" else left - right if tree["op"] == "-" else left * right


def tidy(value: float | None) -> int | float | None:
    """A computed value as stored and shown: whole numbers without ".0", others to 4 decimals."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 4)


def _answered(value: Any) -> bool:
    return value not in (None, "", [], {}) and value is not False


def _comparable(given: Any, wanted: Any) -> tuple[Any, Any] | None:
    """Both as numbers, or both as texts (ISO dates and times order as texts); a number never orders against a
    word."""
    left, right = number(given), number(wanted)
    if left is not None and right is not None:
        return left, right
    if isinstance(given, str) and isinstance(wanted, str) and left is None and right is None:
        return given, wanted
    return None


def condition_holds(condition: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    op, wanted = condition["op"], condition.get("value")
    given = answers.get(condition["key"])
    if not _answered(given):
        return op in ABSENT_HOLDS
    if op == "answered":
        return True
    if op == "not_answered":
        return False
    if isinstance(given, list):
        contained = str(wanted) in {str(item) for item in given}
        return contained if op in ("eq", "selected") else not contained if op in ("neq", "not_selected") else False
    if op in ("eq", "selected", "neq", "not_selected"):
        pair = _comparable(given, wanted)
        same = pair[0] == pair[1] if pair is not None else str(given) == str(wanted)
        return same if op in ("eq", "selected") else not same
    pair = _comparable(given, wanted)
    if pair is None:
        return False
    left, right = pair
    return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[op]


def conditions_hold(conditions: list[Mapping[str, Any]], match: str, answers: Mapping[str, Any]) -> bool:
    if not conditions:
        return True
    results = (condition_holds(condition, answers) for condition in conditions)
    return any(results) if match == "any" else all(results)


def is_shown(question: Question, answers: Mapping[str, Any]) -> bool:
    return conditions_hold(question.conditions, question.condition_match, answers)


def answer_names(question: Question) -> list[str]:
    """The names the question's answers go by: the key, or one "<key>_<row>" per matrix row."""
    if question.kind == "matrix":
        return [f"{question.key}_{row['key']}" for row in question.rows]
    return [question.key]


def question_refs(question: Question) -> set[str]:
    """Every answer name the question reads: its conditions, its calculation and what its texts pipe in."""
    texts: list[str] = [question.calculation or ""]
    for mapping in (question.text, question.help_text, question.validation_message):
        texts += list((mapping or {}).values())
    for item in [*question.choices, *question.rows]:
        texts += list((item.get("labels") or {}).values())
    keys = {condition["key"] for condition in question.conditions}
    return keys | {key for text in texts for key in references(text)}


def pipe(text: str, answers: Mapping[str, Any], shown: Callable[[str, Any], str]) -> str:
    """The text with each ${key} replaced by the earlier answer as words (`shown(key, value)`), or "…" when there
    is none yet."""
    return REFERENCE.sub(
        lambda match: shown(match.group(1), answers[match.group(1)]) if _answered(answers.get(match.group(1))) else "…",
        text,
    )


def rename_refs(text: str, old: str, new: str) -> str:
    return text.replace("${" + old + "}", "${" + new + "}")


def condition_errors(
    conditions: Iterable[Mapping[str, Any]], earlier: Mapping[str, str], values: Mapping[str, frozenset[str] | None]
) -> list[str]:
    """What is wrong with these conditions: `earlier` maps each earlier answer name to its question's type, `values`
    to its possible answers (None: any)."""
    errors = []
    for condition in conditions:
        key, op, wanted = condition.get("key", ""), condition.get("op", ""), condition.get("value")
        if key not in earlier:
            errors.append(
                _("“%(key)s” is not an earlier question: a question can depend only on one asked before it.")
                % {"key": key}
            )
            continue
        if op not in OPERATORS:
            errors.append(_("Pick how “%(key)s” is compared.") % {"key": key})
            continue
        if op in NO_VALUE:
            continue
        if wanted in (None, ""):
            errors.append(_("Give the value “%(key)s” is compared with.") % {"key": key})
            continue
        allowed = values.get(key)
        if op in ORDERED and _comparable(wanted, wanted) is None:
            errors.append(_("Compare “%(key)s” with a number or a date.") % {"key": key})
        elif op in ORDERED and earlier[key] in ("date", "time") and not _iso(earlier[key], str(wanted)):
            errors.append(_("Write the date as 2024-05-31 and the time as 14:30."))
        elif op not in ORDERED and allowed is not None and str(wanted) not in allowed:
            errors.append(
                _("No answer to “%(key)s” can be %(value)s. Possible values: %(choices)s.")
                % {"key": key, "value": wanted, "choices": ", ".join(sorted(allowed))}
            )
    return errors


def _iso(kind: str, text: str) -> bool:
    try:
        date.fromisoformat(text) if kind == "date" else time.fromisoformat(text)
    except ValueError:
        return False
    return True
