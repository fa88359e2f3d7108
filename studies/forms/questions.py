"""The team's forms for questionnaires and their questions: texts per study language, choices one per line.

The question form reads what was typed into `QuestionFields` and asks `studies.services.question_checks` what is
wrong with them, so every problem shows at once beside its field; the service checks again when it writes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from studies.forms.screening import localized
from studies.logic import NO_VALUE, answer_names
from studies.models import Question, Questionnaire
from studies.services.question_checks import QuestionFields, fields_of, question_errors
from studies.services.questionnaires import DEFAULT_MIN_COMPLETION_SECONDS

MIN_CONDITION_ROWS = 2
OPERATOR_CHOICES = [
    ("eq", _("equal to")),
    ("neq", _("not equal to")),
    ("gt", _("greater than")),
    ("gte", _("at least")),
    ("lt", _("less than")),
    ("lte", _("at most")),
    ("selected", _("has selected")),
    ("not_selected", _("has not selected")),
    ("answered", _("answered")),
    ("not_answered", _("not answered")),
]


class QuestionnaireForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Questionnaire.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    available_from = forms.ChoiceField(
        label=_("Asked from the stage (not for screening)"), choices=Questionnaire.Stage.choices
    )
    min_completion_seconds = forms.IntegerField(
        label=_("Shortest plausible time to answer (seconds)"),
        min_value=0,
        max_value=3600,
        initial=DEFAULT_MIN_COMPLETION_SECONDS,
        required=False,
        help_text=_("Responses faster than this are flagged for review as likely automated; 0 turns the check off."),
    )

    def clean_min_completion_seconds(self) -> int:
        value = self.cleaned_data["min_completion_seconds"]
        return DEFAULT_MIN_COMPLETION_SECONDS if value is None else value


def split_values(text: str) -> list[str]:
    """`yes, maybe` -> ["yes", "maybe"]."""
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_choice_lines(text: str, languages: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """`value | label in each study language` per line -> choices, and a message per line that does not fit."""
    choices, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        value, *labels = (part.strip() for part in line.split("|"))
        if len(labels) != len(languages):
            errors.append(
                _("Line %(number)d: write the value, then a label per study language (%(languages)s), split by |.")
                % {"number": number, "languages": ", ".join(languages)}
            )
        choices.append({"value": value, "labels": dict(zip(languages, labels, strict=False))})
    return choices, errors


def parse_row_lines(text: str, languages: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """`key | label in each study language` per line -> matrix rows (the same form as choices)."""
    rows, errors = parse_choice_lines(text, languages)
    return [{"key": row["value"], "labels": row["labels"]} for row in rows], errors


def row_lines(rows: list[dict[str, Any]], languages: list[str]) -> str:
    return choice_lines([{"value": row["key"], "labels": row.get("labels", {})} for row in rows], languages)


def choice_lines(choices: list[dict[str, Any]], languages: list[str]) -> str:
    return "\n".join(
        " | ".join([str(choice["value"]), *(choice.get("labels", {}).get(language, "") for language in languages)])
        for choice in choices
    )


def question_label(question: Question, languages: list[str]) -> str:
    """“used_chatbot — Have you used …” in the page's language (else the study's first)."""
    text = localized(question.text, get_language() or languages[0], languages[0])
    return f"{question.key} — {text[:80]}" if text else question.key


class QuestionForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=60, help_text=_("Short name used in rules, quotas and exports."))
    kind = forms.ChoiceField(label=_("Type"), choices=Question.Kind.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    min_value = forms.IntegerField(
        label=_("Lowest answer"), required=False, help_text=_("Number questions, and Likert scales without choices.")
    )
    max_value = forms.IntegerField(label=_("Highest answer"), required=False)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    rows = forms.CharField(
        label=_("Matrix rows"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Matrix only: one row per line, its key then a label per study language, split by |."),
    )
    calculation = forms.CharField(
        label=_("Calculation"),
        required=False,
        max_length=500,
        help_text=_("Calculated value only: earlier answers as ${key}, numbers, + - * / and brackets."),
    )
    min_length = forms.IntegerField(label=_("Shortest answer (characters)"), required=False, min_value=0)
    max_length = forms.IntegerField(label=_("Longest answer (characters)"), required=False, min_value=1)
    pattern = forms.CharField(
        label=_("Pattern the answer must match"),
        required=False,
        max_length=200,
        help_text=_("A regular expression, such as [A-Z]{2}[0-9]{4}."),
    )
    condition_match = forms.ChoiceField(
        label=_("Show this question when"),
        choices=Question.Match.choices,
        initial=Question.Match.ALL,
        widget=forms.RadioSelect,
        required=False,
    )
    is_risk_item = forms.BooleanField(
        label=_("Risk item"),
        required=False,
        help_text=_("The answers below show crisis resources at once and alert the safety contact."),
    )
    risk_values = forms.CharField(label=_("Answers that show crisis resources (comma-separated)"), required=False)
    is_attention_check = forms.BooleanField(label=_("Attention check"), required=False)
    attention_answer = forms.CharField(label=_("Expected answer"), required=False, max_length=120)

    def __init__(
        self, *args: Any, questionnaire: Questionnaire, question: Question | None = None, **kwargs: Any
    ) -> None:
        self.questionnaire, self.question = questionnaire, question
        self.languages: list[str] = questionnaire.study.languages or ["en"]
        questions = list(questionnaire.questions.order_by("position", "id"))
        index = next((i for i, q in enumerate(questions) if question and q.pk == question.pk), len(questions))
        self.earlier, self.others = questions[:index], questions[:index] + questions[index + 1 :]
        if question is not None:
            kwargs.setdefault("initial", self._initial(question))
        super().__init__(*args, **kwargs)
        self.fields = {**self._head(), **self._texts(), **self._tail(), **self._messages(), **self._conditions()}
        self._offer_sections()
        self.fields["choices"].help_text = _(
            "Single choice, multiple choice and Likert: one per line, the value (letters, digits, -, _ and .) then a "
            "label in each study language (%(languages)s), separated by |, such as: yes | Yes | Sí."
        ) % {"languages": ", ".join(self.languages)}

    def _initial(self, question: Question) -> dict[str, Any]:
        fields = fields_of(question)
        return {
            **fields,
            **{f"text_{language}": text for language, text in fields["text"].items()},
            **{f"help_{language}": text for language, text in fields["help_text"].items()},
            "choices": choice_lines(fields["choices"], self.languages),
            "rows": row_lines(fields["rows"], self.languages),
            **{f"message_{language}": text for language, text in fields["validation_message"].items()},
            **{
                f"{name}_{index}": condition.get(part, "")
                for index, condition in enumerate(fields["conditions"])
                for name, part in (("if_key", "key"), ("if_op", "op"), ("if_value", "value"))
            },
            "section": fields["section_id"] or "",
            "risk_values": ", ".join(fields["risk_values"]),
        }

    def _head(self) -> dict[str, forms.Field]:
        return {name: self.fields[name] for name in ("key", "kind")}

    def _tail(self) -> dict[str, forms.Field]:
        return {name: field for name, field in self.fields.items() if name not in ("key", "kind")}

    def _texts(self) -> dict[str, forms.Field]:
        texts: dict[str, forms.Field] = {}
        attrs = {}
        if self.question is not None and self.question.scale_item:
            # Scales ship without wording (studies.scales): say which item the team is to word.
            attrs["placeholder"] = _("Item %(item)d (enter your licensed wording)") % {"item": self.question.scale_item}
        for language in self.languages:
            texts[f"text_{language}"] = forms.CharField(
                label=_("Question text (%(language)s)") % {"language": language},
                max_length=500,
                widget=forms.TextInput(attrs={"lang": language, **attrs}),
            )
        for language in self.languages:
            texts[f"help_{language}"] = forms.CharField(
                label=_("Help shown under the question (%(language)s)") % {"language": language},
                max_length=1000,
                required=False,
                widget=forms.TextInput(attrs={"lang": language}),
            )
        return texts

    def _messages(self) -> dict[str, forms.Field]:
        return {
            f"message_{language}": forms.CharField(
                label=_("Message when the answer does not fit (%(language)s)") % {"language": language},
                max_length=300,
                required=False,
                widget=forms.TextInput(attrs={"lang": language}),
            )
            for language in self.languages
        }

    def condition_count(self) -> int:
        saved = len(self.question.conditions) if self.question is not None else 0
        return max(MIN_CONDITION_ROWS, saved + 1)

    def _conditions(self) -> dict[str, forms.Field]:
        """Rows of (earlier answer, comparison, value): any left empty are ignored. A saved name that no longer
        fits stays offered (and is refused on saving) instead of being dropped without a word."""
        names: list[tuple[str, str]] = [("", str(_("(no condition)")))]
        for question in self.earlier:
            label = question_label(question, self.languages)
            names += [(name, label if name == question.key else f"{name} — {label}") for name in answer_names(question)]
        saved = {c.get("key", "") for c in self.question.conditions} if self.question is not None else set()
        names += [(name, name) for name in sorted(saved - {name for name, _label in names})]
        fields: dict[str, forms.Field] = {}
        for index in range(self.condition_count()):
            fields[f"if_key_{index}"] = forms.ChoiceField(
                label=_("Condition %(n)d: the answer to") % {"n": index + 1}, choices=names, required=False
            )
            fields[f"if_op_{index}"] = forms.ChoiceField(label=_("is"), choices=OPERATOR_CHOICES, required=False)
            fields[f"if_value_{index}"] = forms.CharField(label=_("value"), max_length=60, required=False)
        return fields

    def condition_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"if_key_{i}"], self[f"if_op_{i}"], self[f"if_value_{i}"]) for i in range(self.condition_count())]

    def _offer_sections(self) -> None:
        sections = list(self.questionnaire.sections.order_by("position", "id"))
        if self.question is not None or not sections:
            return  # a saved question changes section by moving (arrows or drag and drop)
        choices = [("", str(_("(before the first section)")))]
        choices += [
            (str(s.pk), localized(s.title, get_language() or self.languages[0], self.languages[0])) for s in sections
        ]
        self.fields["section"] = forms.TypedChoiceField(
            label=_("Section"), choices=choices, coerce=int, empty_value=None, required=False
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        choices, line_errors = parse_choice_lines(cleaned.get("choices", ""), self.languages)
        for message in line_errors:
            self.add_error("choices", message)
        rows, row_errors = parse_row_lines(cleaned.get("rows", ""), self.languages)
        for message in row_errors:
            self.add_error("rows", message)
        if self.has_error("key") or self.has_error("kind"):
            return cleaned
        self.question_fields = self._fields(cleaned, choices, rows)
        errors = question_errors(
            fields=self.question_fields, languages=self.languages, earlier=self.earlier, others=self.others
        )
        for field, message in errors:
            if not self.has_error(field):
                self.add_error(field if field in self.fields else None, message)
        return cleaned

    def _condition_list(self, cleaned: dict[str, Any]) -> list[dict[str, Any]]:
        conditions = []
        for index in range(self.condition_count()):
            key = cleaned.get(f"if_key_{index}")
            if not key:
                continue
            op = cleaned.get(f"if_op_{index}") or "eq"
            value = cleaned.get(f"if_value_{index}", "").strip()
            conditions.append({"key": key, "op": op, "value": None if op in NO_VALUE else value})
        return conditions

    def _fields(
        self, cleaned: dict[str, Any], choices: list[dict[str, Any]], rows: list[dict[str, Any]]
    ) -> QuestionFields:
        helps = {language: cleaned.get(f"help_{language}", "").strip() for language in self.languages}
        return QuestionFields(
            key=cleaned["key"],
            kind=cleaned["kind"],
            required=cleaned.get("required", False),
            text={language: cleaned.get(f"text_{language}", "").strip() for language in self.languages},
            help_text={language: text for language, text in helps.items() if text},
            choices=choices,
            min_value=cleaned.get("min_value"),
            max_value=cleaned.get("max_value"),
            conditions=self._condition_list(cleaned),
            condition_match=cleaned.get("condition_match") or Question.Match.ALL,
            rows=rows,
            calculation=cleaned.get("calculation", "").strip(),
            min_length=cleaned.get("min_length"),
            max_length=cleaned.get("max_length"),
            pattern=cleaned.get("pattern", "").strip(),
            validation_message={
                language: message
                for language in self.languages
                if (message := cleaned.get(f"message_{language}", "").strip())
            },
            section_id=cleaned.get("section") if self.question is None else self.question.section_id,
            is_risk_item=cleaned.get("is_risk_item", False),
            risk_values=split_values(cleaned.get("risk_values", "")),
            is_attention_check=cleaned.get("is_attention_check", False),
            attention_answer=cleaned.get("attention_answer", "").strip(),
        )


class DuplicateQuestionForm(forms.Form):
    key = forms.SlugField(label=_("Key of the copy"), max_length=60)

    def __init__(self, *args: Any, question: Question, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"key": f"{question.key[:55]}_copy"})
        kwargs.setdefault("prefix", "copy")
        super().__init__(*args, **kwargs)
