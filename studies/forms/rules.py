"""The team's form for an eligibility rule: the key picked from the questionnaire's keys, the value typed as text
(one value, a comma list or JSON) and checked with `studies.services.rules.rule_errors` before it can be saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studies.forms.questions import question_label
from studies.models import EligibilityRule, Questionnaire
from studies.services.rules import (
    RuleValueError,
    Target,
    parse_rule_value,
    rule_errors,
    rule_targets,
    value_hint,
    value_text,
)

DERIVED_LABELS = {
    "age": _("age — in years, from the age or year-of-birth answer"),
    "age_band": _("age_band — 18-24, 25-34 …, from the age"),
    "country": _("country — from the country answer"),
    "region": _("region — world region, from the country answer"),
}


class RuleForm(forms.Form):
    key = forms.CharField(label=_("Question or derived value"), widget=forms.Select)
    operator = forms.ChoiceField(label=_("Condition"), choices=EligibilityRule.Operator.choices)
    value = forms.CharField(
        label=_("Value"),
        max_length=2000,
        help_text=_('One value, or for “is one of” and “includes” a list: US, GB (or ["US", "GB"]).'),
    )
    description = forms.CharField(label=_("Description for the team"), max_length=200, required=False)

    def __init__(
        self, *args: Any, questionnaire: Questionnaire, rule: EligibilityRule | None = None, **kwargs: Any
    ) -> None:
        if rule is not None:
            kwargs.setdefault(
                "initial",
                {
                    "key": rule.key,
                    "operator": rule.operator,
                    "value": value_text(rule.value),
                    "description": rule.description,
                },
            )
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.targets: dict[str, Target] = rule_targets(questionnaire)
        self.fields["key"].widget.choices = self._key_options(rule.key if rule is not None else "")

    def _key_options(self, current: str) -> list[tuple[str, str]]:
        languages = self.questionnaire.study.languages or ["en"]
        questions = {question.key: question for question in self.questionnaire.questions.all()}
        options = [("", "—")]
        for key in sorted(self.targets):
            label = question_label(questions[key], languages) if key in questions else DERIVED_LABELS.get(key, key)
            options.append((key, str(label)))
        if current and current not in self.targets:
            options.append((current, str(_("%(key)s (no such question)") % {"key": current})))
        return options

    def hints(self) -> list[tuple[str, str]]:
        """(key, what it compares with), for the help beside the form."""
        return [(key, value_hint(target)) for key, target in sorted(self.targets.items())]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        key, operator, text = cleaned.get("key"), cleaned.get("operator"), cleaned.get("value")
        if not key or not operator or text is None:
            return cleaned
        try:
            value = parse_rule_value(text=text, operator=operator, target=self.targets.get(key))
        except RuleValueError as error:
            self.add_error("value", str(error))
            return cleaned
        errors = rule_errors(
            questionnaire=self.questionnaire, key=key, operator=operator, value=value, targets=self.targets
        )
        for message in errors:
            self.add_error("key" if key not in self.targets else "value", message)
        if not errors:
            cleaned["value"] = value
        return cleaned
