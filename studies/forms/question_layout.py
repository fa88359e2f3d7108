"""How the question form is laid out on the team's pages: texts side by side per language, then the fields in
groups (answer, matrix rows, calculation, logic, validation, safety), each marked with the question types it applies
to so that builder.js can hide the rest (without the script every group shows; the server checks them all anyway).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.forms import BoundField
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studies.forms.questions import QuestionForm

CHOICE = "single multiple likert"
RANGE = "number likert slider"
TEXT = "short_text long_text"
PATTERN = f"{TEXT} phone email"
ANSWERED = (
    "single multiple short_text long_text number likert country language birth_year age confirm date time email "
    "phone matrix slider"
)
# The question types each field applies to ("" for every type).
FIELD_KINDS = {
    "required": ANSWERED,
    "choices": f"{CHOICE} matrix",
    "min_value": RANGE,
    "max_value": RANGE,
    "rows": "matrix",
    "calculation": "calculated",
    "min_length": TEXT,
    "max_length": TEXT,
    "pattern": PATTERN,
    "is_risk_item": CHOICE,
    "risk_values": CHOICE,
    "is_attention_check": "single likert number short_text age birth_year country language confirm",
    "attention_answer": "single likert number short_text age birth_year country language confirm",
}
MESSAGE_KINDS = f"{RANGE} {PATTERN}"


@dataclass
class Column:
    """One study language's texts, with a flag when the question text is not written in it yet."""

    language: str
    text: BoundField
    help: BoundField
    missing: bool


@dataclass
class Group:
    legend: str | Promise
    name: str
    fields: list[tuple[BoundField, str]] = field(default_factory=list)

    @property
    def kinds(self) -> str:
        """Every type one of its fields applies to ("" when one applies to every type)."""
        kinds = [kinds for _field, kinds in self.fields]
        return "" if "" in kinds else " ".join(sorted({k for group in kinds for k in group.split()}))


@dataclass
class QuestionLayout:
    head: list[BoundField]
    columns: list[Column]
    groups: list[Group]
    conditions: list[tuple[BoundField, BoundField, BoundField]]
    match: BoundField


def _value(bound: BoundField) -> str:
    value = bound.value()
    return "" if value is None else str(value).strip()


def question_layout(form: QuestionForm) -> QuestionLayout:
    """The form's fields in the page's order. A language's text counts as missing on a saved question or a sent
    form only (a blank new form is not a warning)."""
    flag = form.question is not None or form.is_bound
    columns = [
        Column(
            language, form[f"text_{language}"], form[f"help_{language}"], flag and not _value(form[f"text_{language}"])
        )
        for language in form.languages
    ]

    def group(legend: str | Promise, name: str, names: list[str]) -> Group:
        return Group(legend, name, [(form[n], FIELD_KINDS.get(n, "")) for n in names if n in form.fields])

    messages = [(form[f"message_{language}"], MESSAGE_KINDS) for language in form.languages]
    validation = group(_("Validation"), "validation", ["min_length", "max_length", "pattern"])
    validation.fields += messages
    return QuestionLayout(
        head=[form[name] for name in ("key", "kind", "section") if name in form.fields],
        columns=columns,
        groups=[
            group(_("Answer"), "answer", ["required", "choices", "min_value", "max_value"]),
            group(_("Matrix rows"), "matrix", ["rows"]),
            group(_("Calculation"), "calculation", ["calculation"]),
            validation,
            group(
                _("Safety and attention"),
                "safety",
                ["is_risk_item", "risk_values", "is_attention_check", "attention_answer"],
            ),
        ],
        conditions=form.condition_rows(),
        match=form["condition_match"],
    )
