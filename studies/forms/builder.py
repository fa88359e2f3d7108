"""Researcher forms of the questionnaire builder: texts per study language, choices one per line."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studies.models import EligibilityRule, Question, Questionnaire
from studies.services.questionnaires import parse_choices


class QuestionnaireForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Questionnaire.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    available_from = forms.ChoiceField(
        label=_("Asked from the stage (not for screening)"), choices=Questionnaire.Stage.choices
    )


class QuestionForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=60, help_text=_("Short name used in rules, quotas and exports."))
    kind = forms.ChoiceField(label=_("Type"), choices=Question.Kind.choices)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: value | label in each study language, in order."),
    )
    show_if_key = forms.SlugField(label=_("Show only if the answer to"), required=False)
    show_if_values = forms.CharField(label=_("is one of (comma-separated values)"), required=False)
    is_risk_item = forms.BooleanField(label=_("Risk item"), required=False)
    risk_values = forms.CharField(label=_("Answers that show crisis resources (comma-separated)"), required=False)
    is_attention_check = forms.BooleanField(label=_("Attention check"), required=False)
    attention_answer = forms.CharField(label=_("Expected answer"), required=False, max_length=120)

    def __init__(self, *args: Any, questionnaire: Questionnaire, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.languages = questionnaire.study.languages or ["en"]
        for language in self.languages:
            self.fields[f"text_{language}"] = forms.CharField(
                label=_("Question text (%(language)s)") % {"language": language}, max_length=500
            )

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if self.questionnaire.questions.filter(key=key).exists():
            raise forms.ValidationError(_("Another question already uses this key."))
        return key

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        needs_choices = cleaned.get("kind") in (Question.Kind.SINGLE, Question.Kind.MULTIPLE)
        if needs_choices and not parse_choices(cleaned.get("choices", ""), self.languages):
            self.add_error("choices", _("This type of question needs at least one choice."))
        return cleaned

    def question_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        split = lambda text: [item.strip() for item in text.split(",") if item.strip()]  # noqa: E731
        return {
            "key": data["key"],
            "kind": data["kind"],
            "required": data["required"],
            "text": {language: data[f"text_{language}"] for language in self.languages},
            "choices": parse_choices(data["choices"], self.languages),
            "show_if_key": data["show_if_key"],
            "show_if_values": split(data["show_if_values"]),
            "is_risk_item": data["is_risk_item"],
            "risk_values": split(data["risk_values"]),
            "is_attention_check": data["is_attention_check"],
            "attention_answer": data["attention_answer"],
        }


class RuleForm(forms.Form):
    key = forms.SlugField(label=_("Question key or derived value (age, age_band, country, region)"))
    operator = forms.ChoiceField(label=_("Condition"), choices=EligibilityRule.Operator.choices)
    value = forms.CharField(label=_("Value"), help_text=_('A number, a text, or a list such as ["US", "GB"].'))
    description = forms.CharField(label=_("Description for the team"), max_length=200, required=False)

    def clean_value(self) -> Any:
        raw = self.cleaned_data["value"].strip()
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
