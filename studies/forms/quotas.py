"""The quotas page's forms: the stage at which people count, and one stratum (its key, values, extra conditions,
target and maximum), offered from what the screening questions allow.

Which values a stratum can take depends on the key picked, and the page needs no script: the form has a
second submit button that shows the values of the keys picked so far (and one that adds a condition row)
without saving; the view re-renders the form from what was typed (`StratumForm.carried`). Every message about
keys and values comes from studies.services.quota_setup, the same checks the service makes before writing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from studies.forms.screening import country_choices, language_choices, localized
from studies.models import Question, QuotaStage, Stratum, Study
from studies.services.eligibility import REGION_LABELS
from studies.services.quota_setup import (
    LONG_LIST,
    MAX_CONDITIONS,
    QuotaGroup,
    QuotaOverview,
    StratumDraft,
    StratumRow,
    duplicate_name_message,
    name_taken,
    quota_targets,
    screening_of,
    stratum_problems,
)

CROSS = " \N{MULTIPLICATION SIGN} "  # between the keys of an intersection ("Gender x World region")
DERIVED_LABELS: dict[str, Promise] = {
    "age_band": _("Age band"),
    "region": _("World region"),
    "country": _("Country"),
}


class QuotaVocabulary:
    """The keys a stratum may name and their values, labelled in the current language (one query for the
    screening questionnaire, one for its questions)."""

    def __init__(self, study: Study) -> None:
        questionnaire = screening_of(study)
        self.targets = quota_targets(questionnaire)
        self.questions = {q.key: q for q in questionnaire.questions.all()} if questionnaire is not None else {}
        self.language = (get_language() or "en").split("-")[0]
        self.fallback = (study.languages or ["en"])[0]

    def key_label(self, key: str) -> str:
        question = self.questions.get(key)
        if question is not None:
            return localized(question.text, self.language, self.fallback) or key
        return str(DERIVED_LABELS.get(key, key))

    def key_choices(self) -> list[tuple[str, str]]:
        keys = sorted(self.targets, key=lambda key: self.key_label(key).casefold())
        return [("", "—"), *((key, f"{self.key_label(key)} ({key})") for key in keys)]

    def is_long(self, key: str) -> bool:
        return len(self.targets[key].allowed or ()) > LONG_LIST

    def _labels(self, key: str) -> dict[str, str]:
        question = self.questions.get(key)
        kind = question.kind if question is not None else None
        if key == "region":
            return {value: str(label) for value, label in REGION_LABELS.items()}
        if key == "country" or kind == Question.Kind.COUNTRY:
            return dict(country_choices(self.language))
        if kind == Question.Kind.LANGUAGE:
            return dict(language_choices(self.language))
        if question is not None:
            return {
                str(c["value"]): localized(c.get("labels", {}), self.language, self.fallback) for c in question.choices
            }
        return {}

    def value_choices(self, key: str) -> list[tuple[str, str]]:
        """The key's possible values in their natural order (the question's, the regions'), labelled."""
        allowed, labels = self.targets[key].allowed or frozenset(), self._labels(key)
        ordered = [value for value in labels if value in allowed] + sorted(allowed - set(labels))
        return [(value, labels.get(value) or value) for value in ordered]

    def values_text(self, key: str, values: list[Any]) -> str:
        labels = self._labels(key)
        return ", ".join(labels.get(str(value)) or str(value) for value in values)

    def describe(self, stratum: Stratum) -> list[tuple[str, str]]:
        """(key label, values) for the stratum's key and then each condition: who is in the cell, in words."""
        parts = [(stratum.key, stratum.values), *((c["key"], c["values"]) for c in stratum.conditions)]
        return [(self.key_label(key), self.values_text(key, list(values))) for key, values in parts]

    def present(self, overview: QuotaOverview) -> list[Section]:
        return [
            Section(
                label=CROSS.join(self.key_label(key) for key in group.keys),
                group=group,
                rows=[(row, self.describe(row.stratum)) for row in group.rows],
                sample=overview.sample,
            )
            for group in overview.groups
        ]


@dataclass(frozen=True)
class Section:
    """One group of strata as the page shows it."""

    label: str
    group: QuotaGroup
    rows: list[tuple[StratumRow, list[tuple[str, str]]]]
    sample: int

    @property
    def balance(self) -> str:
        """How the group's targets compare with the study's target sample: "equal", "under" or "over"."""
        total = self.group.target_sum
        return "equal" if total == self.sample else "under" if total < self.sample else "over"

    @property
    def gap(self) -> int:
        return abs(self.sample - self.group.target_sum)


class Radios(forms.RadioSelect):
    """Radio buttons whose id for a label is the first button's, so that the error summary's link lands on it."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return super().id_for_label(id_, "0" if index is None else index)


class QuotaStageForm(forms.Form):
    quota_stage = forms.ChoiceField(
        label=_("People count towards quotas from"),
        choices=QuotaStage.choices,
        widget=Radios,
        help_text=_(
            "“Consented” counts everyone who has signed consent, interviewed or not; “Interviewed” counts people "
            "once their interview is done. Eligible people in a stratum at its maximum are waitlisted."
        ),
    )


class Checkboxes(forms.CheckboxSelectMultiple):
    """Checkboxes whose id for a label is the first box's, so that the error summary's link lands on it."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return super().id_for_label(id_, "0" if index is None else index)


class AnyChoices(forms.MultipleChoiceField):
    """Values are checked against the key by the service's checks (one message for every way in), not here."""

    def valid_value(self, value: Any) -> bool:
        return True


class AnyChoice(forms.ChoiceField):
    def valid_value(self, value: Any) -> bool:
        return True


class CodeList(forms.CharField):
    """A typed list of codes (KE, NG, ZA), matched to the possible values whatever their case."""

    def __init__(self, *, allowed: frozenset[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.canonical = {value.casefold(): value for value in allowed}

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(map(str, value)) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = value if isinstance(value, str) else self.prepare_value(value) or ""
        codes = [code for code in re.split(r"[\s,;]+", text) if code]
        return list(dict.fromkeys(self.canonical.get(code.casefold(), code) for code in codes))


class StratumForm(forms.Form):
    """One stratum. Fields depend on the keys picked: `values` exists once `key` names a usable key, and each
    condition row's values once its key does (`condition_<n>_key`, `condition_<n>_values`)."""

    def __init__(
        self,
        *args: Any,
        vocabulary: QuotaVocabulary,
        study: Study,
        stratum: Stratum | None = None,
        add_row: bool = False,
        **kwargs: Any,
    ) -> None:
        if stratum is not None and not args and "data" not in kwargs and "initial" not in kwargs:
            kwargs["initial"] = _initial_of(stratum)
        super().__init__(*args, **kwargs)
        self.vocabulary, self.study, self.stratum = vocabulary, study, stratum
        self.draft: StratumDraft | None = None
        self.rows = min(MAX_CONDITIONS, self._row_count() + (1 if add_row else 0))
        self.initial["condition_rows"] = self.rows
        self.fields = self._fields()

    def _chosen(self, name: str) -> Any:
        return self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)

    def _row_count(self) -> int:
        try:
            return max(0, int(self._chosen("condition_rows") or 0))
        except (TypeError, ValueError):
            return 0

    def _fields(self) -> dict[str, forms.Field]:
        fields: dict[str, forms.Field] = {
            "name": forms.CharField(
                label=_("Name"), max_length=120, help_text=_("What the team calls it, for example “Women in Africa”.")
            ),
            "key": self._key_field(str(_("Dimension")), required=True),
        }
        fields.update(self._values_fields("key", "values", str(_("Values")), required=True))
        for n in range(self.rows):
            number = {"number": n + 1}
            label = _("Condition %(number)s: dimension") % number
            fields[f"condition_{n}_key"] = self._key_field(label, required=False)
            values_label = _("Condition %(number)s: values") % number
            fields.update(self._values_fields(f"condition_{n}_key", f"condition_{n}_values", values_label, False))
        fields["target"] = forms.IntegerField(label=_("Target"), min_value=0, max_value=100_000)
        fields["maximum"] = forms.IntegerField(
            label=_("Maximum"),
            min_value=1,
            max_value=100_000,
            help_text=_("Eligible people in a stratum at its maximum are waitlisted instead of invited."),
        )
        fields["condition_rows"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        return fields

    def _key_field(self, label: str, *, required: bool) -> forms.Field:
        return AnyChoice(
            label=label,
            required=required,
            choices=self.vocabulary.key_choices(),
            error_messages={"required": _("Pick the question or derived value the stratum is about.")},
            help_text=_("Leave it empty to drop this condition.") if not required else "",
        )

    def _values_fields(self, key_name: str, name: str, label: str, required: bool) -> dict[str, forms.Field]:
        key = self._chosen(key_name)
        if key not in self.vocabulary.targets:
            return {}
        if self.vocabulary.is_long(key):
            examples = ", ".join(sorted(self.vocabulary.targets[key].allowed or ())[:3])
            codes_help = _("Codes separated by commas, for example %(examples)s.") % {"examples": examples}
            allowed = self.vocabulary.targets[key].allowed or frozenset()
            return {name: CodeList(label=label, required=False, allowed=allowed, help_text=codes_help)}
        help_text = _("People whose answer is one of these are in it.") if required else ""
        choices = self.vocabulary.value_choices(key)
        return {name: AnyChoices(label=label, required=False, choices=choices, widget=Checkboxes, help_text=help_text)}

    @property
    def values_field(self) -> forms.BoundField | None:
        return self["values"] if "values" in self.fields else None

    @property
    def can_add_condition(self) -> bool:
        return self.rows < MAX_CONDITIONS

    def condition_fields(self) -> list[tuple[forms.BoundField, forms.BoundField | None]]:
        """Each condition row's key field and (once its key is known) values field, for the template."""
        return [
            (
                self[f"condition_{n}_key"],
                self[f"condition_{n}_values"] if f"condition_{n}_values" in self.fields else None,
            )
            for n in range(self.rows)
        ]

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if name_taken(study=self.study, name=name, stratum=self.stratum):
            raise forms.ValidationError(duplicate_name_message(name))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        used = [n for n in range(self.rows) if data.get(f"condition_{n}_key")]
        self.draft = StratumDraft(
            name=data.get("name", ""),
            key=data.get("key") or "",
            values=list(data.get("values") or []),
            target=data.get("target") or 0,
            maximum=data.get("maximum") or 0,
            conditions=[
                {"key": data[f"condition_{n}_key"], "values": list(data.get(f"condition_{n}_values") or [])}
                for n in used
            ],
        )
        problems = stratum_problems(draft=self.draft, targets=self.vocabulary.targets)
        if data.get("target") is None or data.get("maximum") is None:
            problems.pop("maximum", None)  # the missing number's own error says it
        if not self.draft.key:
            problems.pop("key", None)
        for part, message in problems.items():
            self.add_error(self._field_of(part, used), message)
        return data

    def _field_of(self, part: str, used: list[int]) -> str | None:
        """The field a problem belongs to: conditions are numbered among the rows in use, fields among all rows."""
        if match := re.fullmatch(r"condition_(\d+)_(key|values)", part):
            part = f"condition_{used[int(match[1])]}_{match[2]}"
        return part if part in self.fields else None

    def carried(self, *, add_row: bool = False) -> StratumForm:
        """An unbound copy showing what was typed, with the values of the keys picked (and one more condition
        row when asked): the answer to the buttons that change the form without saving."""
        initial = {
            name: field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            for name, field in self.fields.items()
        }
        initial["condition_rows"] = self.rows
        return StratumForm(
            initial=initial, vocabulary=self.vocabulary, study=self.study, stratum=self.stratum, add_row=add_row
        )


def _initial_of(stratum: Stratum) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "name": stratum.name,
        "key": stratum.key,
        "values": [str(v) for v in stratum.values],
        "target": stratum.target,
        "maximum": stratum.maximum,
        "condition_rows": len(stratum.conditions),
    }
    for n, condition in enumerate(stratum.conditions):
        initial[f"condition_{n}_key"] = condition["key"]
        initial[f"condition_{n}_values"] = [str(v) for v in condition["values"]]
    return initial
