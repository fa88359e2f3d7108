"""The public questionnaire form, built from the study's questions in the participant's language.

Every question field is optional at field level; `clean` enforces "required" only for questions that skip
logic shows, so the server, not the browser, decides what had to be answered.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from functools import cache
from typing import Any

import pycountry
from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

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
        return forms.CharField(max_length=200, **common)
    if question.kind == kind.LONG_TEXT:
        return forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 4}), **common)
    if question.kind == kind.NUMBER:
        return forms.IntegerField(min_value=question.min_value, max_value=question.max_value, **common)
    if question.kind == kind.AGE:
        return forms.IntegerField(min_value=0, max_value=120, **common)
    if question.kind == kind.BIRTH_YEAR:
        return forms.IntegerField(min_value=1900, max_value=timezone.now().year, **common)
    if question.kind == kind.COUNTRY:
        return forms.ChoiceField(choices=country_choices(language), widget=LongSelect, **common)
    if question.kind == kind.LANGUAGE:
        return forms.ChoiceField(choices=language_choices(language), widget=LongSelect, **common)
    return forms.BooleanField(**common)


class QuestionsForm(forms.Form):
    """A questionnaire's questions in one language, with skip logic enforced on the server."""

    def __init__(self, *args: Any, questions: list[Question], language: str, fallback: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.language = language
        for question in questions:
            field = question_field(question, language, fallback)
            field.widget.attrs.update(self._skip_attrs(question))
            self.fields[f"q_{question.key}"] = field

    @staticmethod
    def _skip_attrs(question: Question) -> dict[str, str]:
        if not question.show_if_key:
            return {}
        return {"data-show-if": question.show_if_key, "data-show-values": "|".join(map(str, question.show_if_values))}

    def question_fields(self) -> list[tuple[Question, forms.BoundField]]:
        return [(q, self[f"q_{q.key}"]) for q in self.questions]

    def _shown(self, question: Question, answers: dict[str, Any]) -> bool:
        if not question.show_if_key:
            return True
        given = answers.get(question.show_if_key)
        given_values = {str(v) for v in given} if isinstance(given, list) else {str(given)}
        return bool(given_values & {str(v) for v in question.show_if_values})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        answers: dict[str, Any] = {}
        for question in self.questions:
            name = f"q_{question.key}"
            value = cleaned.get(name)
            if not self._shown(question, answers):
                continue
            if value in (None, "", [], False):
                if question.required and name not in self.errors:
                    self.add_error(name, NEEDS_ANSWER)
                continue
            answers[question.key] = value
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
        self.order_fields([*(f"q_{question.key}" for question in self.questions), "name", "email", "phone"])
