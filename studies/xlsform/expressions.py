"""The part of XLSForm's expression language (XPath with ${name} references) that our logic can hold, both ways.

`relevant`: comparisons of an earlier answer (`${a} = 'x'`, `!=`, `>`, `>=`, `<`, `<=` with a number, a quoted text
or `date('2024-01-01')`), `selected(${q}, 'v')`, `not(selected(${q}, 'v'))`, `${q} != ''` (answered) and
`${q} = ''` (not answered), joined all by `and` or all by `or`; brackets around the whole or around one comparison.
`constraint`: `. >= 1`, `. <= 10` (and `>`, `<` with whole numbers), `string-length(.) >= 3`, `regex(., '…')`,
joined by `and`. `calculation`: numbers, ${name}, + - * and `div`, brackets. Anything else raises
ExpressionError, which the importer lists against the row: nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{[^}]*\})
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<op>!=|>=|<=|=|>|<)
    | (?P<punct>[(),.+*/-])
    | (?P<word>[A-Za-z_][-A-Za-z0-9_:]*)
    )""",
    re.VERBOSE,
)
NAME = re.compile(r"[-a-zA-Z0-9_]{1,60}")
COMPARISONS = {"=": "eq", "!=": "neq", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
SYMBOLS = {value: key for key, value in COMPARISONS.items()}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ExpressionError(ValueError):
    """An expression outside the supported subset; the message says what the importer could not read."""


@dataclass(frozen=True)
class Token:
    kind: str  # ref, number, string, op, punct, word
    text: str

    @property
    def value(self) -> str:
        """A reference's name, a string's content, or the token as written."""
        if self.kind == "ref":
            return self.text[2:-1].strip()
        if self.kind == "string":
            return self.text[1:-1]
        return self.text


def tokenize(text: str) -> list[Token]:
    tokens, position, text = [], 0, text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(_("“%(text)s” cannot be read here.") % {"text": text[position : position + 20]})
        kind = match.lastgroup or ""
        tokens.append(Token(kind, match.group(kind)))
        position = match.end()
    return tokens


def _unwrap(tokens: list[Token]) -> list[Token]:
    """Drop brackets that hold the whole of `tokens`, however many."""
    while len(tokens) >= 2 and tokens[0].text == "(" and _closing(tokens, 0) == len(tokens) - 1:
        tokens = tokens[1:-1]
    return tokens


def _closing(tokens: list[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index].text == "(":
            depth += 1
        elif tokens[index].text == ")":
            depth -= 1
            if depth == 0:
                return index
    raise ExpressionError(_("A bracket is opened and never closed."))


def _split(tokens: list[Token]) -> tuple[list[list[Token]], str]:
    """The top-level parts joined by `and` or by `or`, and which of the two ("" for one part)."""
    parts: list[list[Token]] = [[]]
    joins: set[str] = set()
    depth = 0
    for token in tokens:
        depth += token.text == "("
        depth -= token.text == ")"
        if depth < 0:
            raise ExpressionError(_("A bracket is closed that was never opened."))
        if depth == 0 and token.kind == "word" and token.text in ("and", "or"):
            joins.add(token.text)
            parts.append([])
        else:
            parts[-1].append(token)
    if len(joins) > 1:
        raise ExpressionError(_("It mixes “and” with “or”: use one of them, or split the question."))
    if any(not part for part in parts):
        raise ExpressionError(_("An “and” or “or” has nothing on one side."))
    return parts, joins.pop() if joins else ""


def _name(token: Token) -> str:
    if token.kind != "ref" or not NAME.fullmatch(token.value):
        raise ExpressionError(_("Expected a question as ${name}, found “%(text)s”.") % {"text": token.text})
    return token.value


def _literal(tokens: list[Token]) -> Any:
    """A number, a quoted text or date('YYYY-MM-DD')."""
    texts = [token.text for token in tokens]
    if len(tokens) == 1 and tokens[0].kind == "number":
        return _number(tokens[0].text)
    if len(tokens) == 2 and texts[0] == "-" and tokens[1].kind == "number":
        return -_number(tokens[1].text)
    if len(tokens) == 1 and tokens[0].kind == "string":
        return tokens[0].value
    if len(tokens) == 4 and texts[0] == "date" and texts[1] == "(" and tokens[2].kind == "string" and texts[3] == ")":
        value = tokens[2].value
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ExpressionError(_("Write the date as date('2024-05-31').")) from None
        return value
    written = " ".join(texts)
    raise ExpressionError(
        _("Compare with a number, a 'text' or date('2024-05-31'), not “%(text)s”.") % {"text": written}
    )


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _selected(tokens: list[Token]) -> dict[str, Any] | None:
    """selected(${q}, 'v') as a condition, or None when the tokens are something else."""
    texts = [token.text for token in tokens]
    if len(tokens) != 6 or texts[:2] != ["selected", "("] or texts[3] != "," or texts[5] != ")":
        return None
    return {"key": _name(tokens[2]), "op": "selected", "value": _literal([tokens[4]])}


def _condition(tokens: list[Token]) -> dict[str, Any]:
    tokens = _unwrap(tokens)
    if (found := _selected(tokens)) is not None:
        return found
    texts = [token.text for token in tokens]
    if texts[:2] == ["not", "("] and texts[-1] == ")" and _closing(tokens, 1) == len(tokens) - 1:
        inner = _selected(_unwrap(tokens[2:-1]))
        if inner is not None:
            return {**inner, "op": "not_selected"}
    if len(tokens) >= 3 and tokens[0].kind == "ref" and tokens[1].kind == "op":
        key, op = _name(tokens[0]), COMPARISONS[tokens[1].text]
        rest = tokens[2:]
        if len(rest) == 1 and rest[0].kind == "string" and rest[0].value == "" and op in ("eq", "neq"):
            return {"key": key, "op": "answered" if op == "neq" else "not_answered", "value": None}
        return {"key": key, "op": op, "value": _literal(rest)}
    raise ExpressionError(
        _(
            "“%(text)s” is not a comparison the platform can check: use ${name} = 'value' (or !=, >, >=, <, <=), "
            "selected(${name}, 'value'), not(selected(…)) or ${name} != ''."
        )
        % {"text": " ".join(texts)}
    )


def parse_relevant(text: str) -> tuple[list[dict[str, Any]], str]:
    """A `relevant` expression as our conditions and how they combine ("all" or "any")."""
    tokens = _unwrap(tokenize(text))
    if not tokens:
        return [], "all"
    parts, join = _split(tokens)
    return [_condition(part) for part in parts], "any" if join == "or" else "all"


@dataclass
class Validation:
    """What a `constraint` sets on the answer itself."""

    min_value: int | float | None = None
    max_value: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str = ""


def parse_constraint(text: str) -> Validation:
    """A `constraint` as bounds, lengths and a pattern. `. > 4` on whole numbers is read as at least 5."""
    tokens = _unwrap(tokenize(text))
    found = Validation()
    if not tokens:
        return found
    parts, join = _split(tokens)
    if join == "or":
        raise ExpressionError(_("A constraint can join its checks with “and” only."))
    for part in parts:
        _constraint_part(_unwrap(part), found)
    return found


def _constraint_part(tokens: list[Token], found: Validation) -> None:
    texts = [token.text for token in tokens]
    if len(tokens) == 6 and texts[:4] == ["regex", "(", ".", ","] and tokens[4].kind == "string" and texts[5] == ")":
        _set(found, "pattern", tokens[4].value)
        return
    if texts[:4] == ["string-length", "(", ".", ")"] and len(tokens) >= 6 and tokens[4].kind == "op":
        low, high = _bound(tokens[4].text, _literal(tokens[5:]), whole=True)
        _set(found, "min_length" if low is not None else "max_length", low if low is not None else high)
        return
    if len(tokens) >= 3 and texts[0] == "." and tokens[1].kind == "op":
        low, high = _bound(tokens[1].text, _literal(tokens[2:]), whole=False)
        _set(found, "min_value" if low is not None else "max_value", low if low is not None else high)
        return
    raise ExpressionError(
        _(
            "“%(text)s” is not a check the platform can make: use . >= 1, . <= 10, string-length(.) <= 200 or "
            "regex(., '…'), joined by “and”."
        )
        % {"text": " ".join(texts)}
    )


def _bound(symbol: str, value: Any, *, whole: bool) -> tuple[Any, Any]:
    """(lowest, None) or (None, highest) allowed by `. symbol value`."""
    if isinstance(value, str) or symbol in ("=", "!="):
        raise ExpressionError(_("Only “.” compared with a number by >, >=, < or <= can be a bound."))
    if symbol in (">", "<"):
        if not isinstance(value, int):
            raise ExpressionError(_("Use >= or <= with a number that is not whole."))
        return (value + 1, None) if symbol == ">" else (None, value - 1)
    if whole and not isinstance(value, int):
        raise ExpressionError(_("A length is a whole number."))
    return (value, None) if symbol == ">=" else (None, value)


def _set(found: Validation, name: str, value: Any) -> None:
    if getattr(found, name) not in (None, ""):
        raise ExpressionError(_("The constraint sets the same bound twice."))
    setattr(found, name, value)


def parse_calculation(text: str) -> str:
    """An XLSForm `calculation` as our calculation text ("div" becomes "/"; a REDCap "/" stays: a path such as
    /data/q1 still fails on its names)."""
    parts = []
    for token in tokenize(text):
        if token.kind == "ref":
            parts.append("${" + _name(token) + "}")
        elif token.kind == "number" or token.text in ("(", ")", "+", "-", "*", "/"):
            parts.append(token.text)
        elif token.text == "div":
            parts.append("/")
        else:
            raise ExpressionError(
                _("“%(text)s” cannot be calculated here: use numbers, ${name}, + - * div and brackets.")
                % {"text": token.text}
            )
    return _spaced(parts)


def _spaced(parts: list[str]) -> str:
    text = " ".join(parts)
    return text.replace("( ", "(").replace(" )", ")")


# Writing XLSForm expressions (the export).


def literal(value: Any, kind: str = "") -> str:
    """A condition's value as XPath: numbers bare, a date question's value as date('…'), other text quoted."""
    if isinstance(value, bool):
        return "'true'" if value else "'false'"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if kind == "date" and ISO_DATE.fullmatch(text):
        return f"date('{text}')"
    return f'"{text}"' if "'" in text else f"'{text}'"


def relevant_text(conditions: Sequence[Mapping[str, Any]], match: str, kinds: Mapping[str, str]) -> str:
    """Our conditions as a `relevant` expression; `kinds` maps each answer name to its question's type."""
    parts = []
    for condition in conditions:
        key, op, value = condition["key"], condition["op"], condition.get("value")
        reference = "${" + key + "}"
        kind = kinds.get(key, "")
        if op == "answered":
            parts.append(f"{reference} != ''")
        elif op == "not_answered":
            parts.append(f"{reference} = ''")
        elif op in ("selected", "not_selected") and kind == "multiple":
            test = f"selected({reference}, {literal(str(value))})"
            parts.append(test if op == "selected" else f"not({test})")
        else:
            symbol = SYMBOLS["eq" if op == "selected" else "neq" if op == "not_selected" else op]
            value = str(value) if kind in ("single", "likert", "multiple") else value
            parts.append(f"{reference} {symbol} {literal(value, kind)}")
    return f" {'or' if match == 'any' else 'and'} ".join(parts)


def constraint_text(
    *, min_value: Any = None, max_value: Any = None, min_length: Any = None, max_length: Any = None, pattern: str = ""
) -> str:
    """Bounds, lengths and a pattern as one `constraint` (XPath's regex() must match the whole answer, as ours)."""
    parts = []
    if min_value is not None:
        parts.append(f". >= {min_value}")
    if max_value is not None:
        parts.append(f". <= {max_value}")
    if min_length is not None:
        parts.append(f"string-length(.) >= {min_length}")
    if max_length is not None:
        parts.append(f"string-length(.) <= {max_length}")
    if pattern:
        parts.append(f"regex(., {literal(pattern)})")
    return " and ".join(parts)


def calculation_xpath(text: str) -> str:
    """Our calculation as XPath: "/" is XPath's path step, division is "div"."""
    pieces = re.split(r"(\$\{[^}]*\})", text)
    return "".join(piece if piece.startswith("${") else piece.replace("/", " div ") for piece in pieces)
