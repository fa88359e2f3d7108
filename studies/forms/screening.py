"""The public questionnaire form, built from the study's questions in the participant's language.

Every question field is optional at field level; `clean` enforces "required" only for questions that skip
logic shows, so the server, not the browser, decides what had to be answered (studies.logic: the same conditions,
calculations and piping the page's script applies as the person answers).
"""

from __future__ import annotations

import gettext
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, time
from functools import cache
from typing import Any

import pycountry
import regex
from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from studies.logic import REFERENCE, answer_names, evaluate, is_shown, parse_calculation, pipe, tidy
from studies.models import Question

NEEDS_ANSWER = _("This question needs an answer.")


def localized(mapping: dict[str, str] | str, language: str, fallback: str = "en") -> str:
    """A per-language text in `language`, else the fallback language, else any language."""
    if isinstance(mapping, str):
        return mapping
    return mapping.get(language) or mapping.get(fallback) or next(iter(mapping.values()), "")


@cache
def _iso_names(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


class FixedChoices(BaseChoiceIterator):
    """A ready list of choices: Django takes a choice iterator as it is, instead of normalising ~250 country
    names again for every form it builds."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self.rows = rows

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.rows)


@cache
def country_choices(language: str) -> FixedChoices:
    names = _iso_names("iso3166-1", language)
    rows = [(c.alpha_2, names.gettext(c.name)) for c in pycountry.countries]
    return FixedChoices([("", "—"), *sorted(rows, key=lambda row: row[1])])


@cache
def language_choices(language: str) -> FixedChoices:
    names = _iso_names("iso639-3", language)
    rows = [(lang.alpha_2, names.gettext(lang.name)) for lang in pycountry.languages if hasattr(lang, "alpha_2")]
    return FixedChoices([("", "—"), *sorted(rows, key=lambda row: row[1])])


class LongSelect(forms.Select):
    """A select for long lists (about 250 countries): one string join instead of one template per option,
    which otherwise dominates the time to serve the screening page."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final = {**self.build_attrs(self.attrs, attrs), "name": name}
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, " selected" if str(key) == chosen else "", label) for key, label in self.choices),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


def _choice_list(question: Question, language: str, fallback: str) -> list[tuple[str, str]]:
    if question.choices:
        return [(str(c["value"]), localized(c.get("labels", {}), language, fallback)) for c in question.choices]
    low, high = question.min_value or 1, question.max_value or 5
    return [(str(n), str(n)) for n in range(low, high + 1)]


def _date_or_time(question: Question, **common: Any) -> forms.Field:
    if question.kind == Question.Kind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    return forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **common)


def question_field(question: Question, language: str, fallback: str) -> forms.Field:
    label = localized(question.text, language, fallback)
    common: dict[str, Any] = {"label": label, "required": False}
    common["help_text"] = localized(question.help_text, language, fallback) if question.help_text else ""
    kind = Question.Kind
    if question.kind in (kind.SINGLE, kind.LIKERT):
        return forms.ChoiceField(choices=_choice_list(question, language, fallback), widget=forms.RadioSelect, **common)
    if question.kind == kind.MULTIPLE:
        choices = _choice_list(question, language, fallback)
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if question.kind == kind.SHORT_TEXT:
        return forms.CharField(max_length=question.max_length or 200, min_length=question.min_length, **common)
    if question.kind == kind.LONG_TEXT:
        textarea = forms.Textarea(attrs={"rows": 4})
        return forms.CharField(
            max_length=question.max_length or 4000, min_length=question.min_length, widget=textarea, **common
        )
    if question.kind == kind.NUMBER:
        return forms.IntegerField(min_value=question.min_value, max_value=question.max_value, **common)
    if question.kind == kind.SLIDER:
        low, high = _slider_range(question)
        return forms.IntegerField(min_value=low, max_value=high, widget=SliderInput(low, high), **common)
    if question.kind == kind.AGE:
        return forms.IntegerField(min_value=0, max_value=120, **common)
    if question.kind == kind.BIRTH_YEAR:
        return forms.IntegerField(min_value=1900, max_value=timezone.now().year, **common)
    if question.kind == kind.COUNTRY:
        return forms.ChoiceField(choices=country_choices(language), widget=LongSelect, **common)
    if question.kind == kind.LANGUAGE:
        return forms.ChoiceField(choices=language_choices(language), widget=LongSelect, **common)
    if question.kind in (kind.DATE, kind.TIME):
        return _date_or_time(question, **common)
    if question.kind == kind.EMAIL:
        return forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}), **common)
    if question.kind == kind.PHONE:
        return forms.CharField(max_length=40, validators=[validate_phone], widget=PhoneInput, **common)
    return forms.BooleanField(**common)


def _slider_range(question: Question) -> tuple[int, int]:
    low = 0 if question.min_value is None else question.min_value
    return low, 100 if question.max_value is None else question.max_value


class SliderInput(forms.NumberInput):
    """A number box that participant.js pairs with a slider. A range input alone always has a value, so an
    untouched slider would send its middle as an answer; the box stays empty until the person moves the slider or
    types a number, and without the script the box alone works."""

    def __init__(self, low: int, high: int) -> None:
        super().__init__(attrs={"min": low, "max": high, "step": 1, "class": "slider", "inputmode": "numeric"})


class PhoneInput(forms.TextInput):
    input_type = "tel"

    def __init__(self) -> None:
        super().__init__(attrs={"autocomplete": "off", "inputmode": "tel"})


PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{4,30}")


def validate_phone(value: str) -> None:
    digits = sum(character.isdigit() for character in value)
    if not PHONE.fullmatch(value.strip()) or not 6 <= digits <= 15:
        raise forms.ValidationError(_("Write a phone number in digits, such as +44 20 7946 0958."))


def matrix_row_field(question: Question, row: dict[str, Any], language: str, fallback: str) -> forms.Field:
    label = localized(row.get("labels") or {}, language, fallback)
    return forms.ChoiceField(
        choices=_choice_list(question, language, fallback), widget=forms.RadioSelect, label=label, required=False
    )


@dataclass
class Item:
    """One question as the page lays it out: its field, a matrix's row fields, or a note's or value's text."""

    question: Question
    field: forms.BoundField | None = None
    rows: list[forms.BoundField] = dataclass_field(default_factory=list)
    text: SafeString | str = ""
    help: SafeString | str = ""
    value: Any = None

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def attrs(self) -> SafeString:
        """The data-* attributes the page's script reads: conditions, a calculation's tree, the answer's name."""
        attrs = {"data-key": self.question.key}
        if self.question.conditions:
            attrs["data-conditions"] = json.dumps(self.question.conditions)
            attrs["data-match"] = self.question.condition_match
        if self.question.kind == Question.Kind.CALCULATED and self.question.calculation:
            attrs["data-calc"] = json.dumps(parse_calculation(self.question.calculation))
        return flatatt(attrs)


@dataclass
class Step:
    """A section of the page: its title (none for questions before the first section) and its items."""

    title: str
    items: list[Item]


class QuestionsForm(forms.Form):
    """A questionnaire's questions in one language, with its logic enforced on the server: skip conditions
    (a hidden question keeps no answer), matrix rows, calculated values, validation and piped-in answers."""

    def __init__(
        self,
        *args: Any,
        questions: list[Question],
        language: str,
        fallback: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.language = language
        self.fallback = fallback
        for question in questions:
            if question.kind == Question.Kind.MATRIX:
                for row, name in zip(question.rows, answer_names(question), strict=True):
                    self.fields[f"q_{name}"] = matrix_row_field(question, row, language, fallback)
            elif question.kind not in Question.UNANSWERED_KINDS:
                self.fields[f"q_{question.key}"] = question_field(question, language, fallback)

    # -- what the page shows ------------------------------------------------------------------------------------

    def _given(self) -> dict[str, Any]:
        """The answers so far, for piping on a re-shown page: the checked ones, else nothing."""
        return getattr(self, "answers", {}) if self.is_bound else {}

    def _words(self) -> Callable[[str, Any], str]:
        from studies.answers import answer_text  # it reads this module's country and language names

        by_name = {name: question for question in self.questions for name in answer_names(question)}

        def words(key: str, value: Any) -> str:
            question = by_name.get(key)
            return answer_text(question, value, language=self.language, fallback=self.fallback)

        return words

    def _piped(self, mapping: dict[str, str]) -> SafeString | str:
        text = localized(mapping, self.language, self.fallback) if mapping else ""
        if "${" not in text:
            return text
        given, words = self._given(), self._words()
        parts = []
        for index, piece in enumerate(REFERENCE.split(text)):
            if index % 2 == 0:
                parts.append(escape(piece))
            else:
                shown = pipe("${" + piece + "}", given, words)
                parts.append(format_html('<span class="piped" data-pipe="{}">{}</span>', piece, shown))
        return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every piece escaped above

    def _item(self, question: Question) -> Item:
        item = Item(question, text=self._piped(question.text), help=self._piped(question.help_text or {}))
        if question.kind == Question.Kind.MATRIX:
            item.rows = [self[f"q_{name}"] for name in answer_names(question)]
        elif question.kind == Question.Kind.CALCULATED:
            item.value = self._given().get(question.key)
        elif question.kind != Question.Kind.NOTE:
            item.field = self[f"q_{question.key}"]
            if "${" in localized(question.text, self.language, self.fallback):
                item.field.label = item.text
        return item

    def steps(self) -> list[Step]:
        """The questions by section, in order; questions before the first section come first, untitled (fetch the
        questions with select_related("section"))."""
        steps: list[Step] = []
        current: object = object()
        for question in self.questions:
            if question.section_id != current:
                current = question.section_id
                section = question.section
                steps.append(Step(localized(section.title, self.language, self.fallback) if section else "", []))
            steps[-1].items.append(self._item(question))
        return steps

    # -- what the server accepts --------------------------------------------------------------------------------

    def _message(self, question: Question) -> str:
        return localized(question.validation_message or {}, self.language, self.fallback)

    def _pattern_fails(self, question: Question, value: Any) -> bool:
        if not question.pattern or not isinstance(value, str):
            return False
        try:
            return regex.fullmatch(question.pattern, value, timeout=0.05) is None
        except (regex.error, TimeoutError):
            return True

    @staticmethod
    def _store(value: Any) -> Any:
        if isinstance(value, date | time):
            return value.isoformat(timespec="minutes") if isinstance(value, time) else value.isoformat()
        return value

    def _check(self, question: Question, name: str, value: Any, answers: dict[str, Any]) -> None:
        message = self._message(question)
        if name in self.errors:
            if message:
                self.errors[name] = self.error_class([message])
            return
        if value in (None, "", [], False):
            if question.required:
                self.add_error(name, NEEDS_ANSWER)
            return
        if self._pattern_fails(question, value):
            self.add_error(name, message or _("This answer does not have the expected form."))
            return
        answers[question.key if name == f"q_{question.key}" else name[2:]] = self._store(value)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        answers: dict[str, Any] = {}
        for question in self.questions:
            if not is_shown(question, answers):
                continue
            if question.kind == Question.Kind.CALCULATED:
                value = tidy(evaluate(parse_calculation(question.calculation), answers))
                if value is not None:
                    answers[question.key] = value
            elif question.kind == Question.Kind.MATRIX:
                for name in answer_names(question):
                    self._check(question, f"q_{name}", cleaned.get(f"q_{name}"), answers)
            elif question.kind != Question.Kind.NOTE:
                self._check(question, f"q_{question.key}", cleaned.get(f"q_{question.key}"), answers)
        self.answers = answers
        return cleaned


class ScreeningForm(QuestionsForm):
    """The public screening: the questions plus contact details, the form token and the honeypot."""

    token = forms.CharField(widget=forms.HiddenInput)
    # The honeypot: hidden from people by CSS and from assistive technology; bots fill it in.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    name = forms.CharField(label=_("Your name or nickname"), max_length=120, required=False)
    email = forms.EmailField(label=_("Email address"), help_text=_("We use it only to contact you about this study."))
    phone = forms.CharField(label=_("Phone (optional)"), max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page's order (questions, then contact details), which the error summary follows.
        questions = [name for name in self.fields if name.startswith("q_")]  # a matrix's rows included, in order
        self.order_fields([*questions, "name", "email", "phone"])
