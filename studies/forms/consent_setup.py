"""The team's consent editor as one form: the title and text per language, the items with a label per language,
the comprehension questions with their choices per language, and ready-made items to add.

One form rather than formsets, so that the shared error summary links every problem to its field. How many item
and question rows the form has comes from its hidden counts (the page always offers one blank row of each; a blank
row is ignored), bounded so a crafted request cannot make thousands of fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studies.iso_names import is_rtl
from studies.models import ConsentItem
from studies.services.consent_setup import (
    KEY_PATTERN,
    MIN_CHOICES,
    ConsentDraft,
    DraftItem,
    DraftQuestion,
    Missing,
    default_label,
    language_name,
)

MAX_ITEMS = 30
MAX_QUESTIONS = 20
MAX_CHOICES = 10

# What the platform does with each well-known item (grep TRANSCRIPTION_CONSENT for where it is enforced).
ITEM_NOTES: dict[str, Promise] = {
    ConsentItem.AUDIO_RECORDING: _(
        "Enforced: interviews can be recorded or uploaded, and voice answers given, only by people who said yes to "
        "this and to automatic transcription."
    ),
    ConsentItem.AUTOMATIC_TRANSCRIPTION: _(
        "Enforced: recordings are transcribed automatically only for people who said yes to this and to audio "
        "recording."
    ),
    ConsentItem.VERBATIM_QUOTES: _(
        "Recorded with each signature and shown on the participant's page: check it before quoting someone."
    ),
    ConsentItem.FUTURE_REUSE: _(
        "Recorded with each signature and in the participant's data: check it before reusing their data."
    ),
    ConsentItem.FOLLOW_UP_CONTACT: _(
        "Recorded with each signature and shown on the participant's page: check it before contacting someone "
        "after their interview."
    ),
}
CUSTOM_NOTE = _(
    "Your own item: recorded with each signature and in the participant's data, not acted on by the platform."
)


@dataclass(frozen=True)
class ItemRow:
    key: forms.BoundField
    required: forms.BoundField
    remove: forms.BoundField | None  # only for an item already saved or published
    labels: list[tuple[str, forms.BoundField]]
    note: Promise | None


@dataclass(frozen=True)
class QuestionRow:
    answer: forms.BoundField
    remove: forms.BoundField | None  # only for a question already saved or published
    texts: list[tuple[str, forms.BoundField, forms.BoundField]]  # language, question, choices


def _count(data: Any, name: str, default: int, most: int) -> int:
    try:
        return max(0, min(int(data.get(name, default)), most))
    except (TypeError, ValueError):
        return default


def _text(label: str, max_length: int, language: str = "", rows: int = 0) -> forms.CharField:
    attrs = {"dir": "rtl" if is_rtl(language) else "auto", **({"lang": language} if language else {})}
    widget = forms.Textarea(attrs={**attrs, "rows": rows}) if rows else forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, max_length=max_length, required=False, widget=widget)


class ConsentEditorForm(forms.Form):
    items = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_ITEMS)
    questions = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_QUESTIONS)
    readymade = forms.MultipleChoiceField(
        label=_("Add ready-made items"),
        choices=ConsentItem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, data: Any = None, *, languages: list[str], draft: ConsentDraft, published_keys: set[str]
    ) -> None:
        item_count = _count(data or {}, "items", len(draft.items) + 1, MAX_ITEMS)
        question_count = _count(data or {}, "questions", len(draft.questions) + 1, MAX_QUESTIONS)
        super().__init__(data, initial=_initial(draft, item_count, question_count))
        self.languages, self.item_count, self.question_count = languages, item_count, question_count
        self.present = {item.key for item in draft.items}
        self.existing = (len(draft.items), len(draft.questions))  # rows that hold something saved: removable
        for language in languages:
            name = language_name(language)
            self.fields[f"title-{language}"] = _text(_("Title — %(language)s") % {"language": name}, 200, language)
            body = _text(_("Text in Markdown — %(language)s") % {"language": name}, 50_000, language, rows=12)
            body.widget.attrs["data-preview"] = f"preview-{language}"
            self.fields[f"body-{language}"] = body
        for index in range(item_count):
            self._add_item_fields(index, locked=self.initial.get(f"item-{index}-key") in published_keys)
        for index in range(question_count):
            self._add_question_fields(index)

    def _add_item_fields(self, index: int, *, locked: bool) -> None:
        number = {"number": index + 1}
        key = forms.CharField(
            label=_("Item %(number)s: key") % number,
            max_length=50,
            required=False,
            disabled=locked,
            help_text=_("Published: the key stays.")
            if locked
            else _(
                "Lower-case letters, digits and underscores, starting with a letter; it cannot change once published."
            ),
        )
        self.fields[f"item-{index}-key"] = key
        self.fields[f"item-{index}-required"] = forms.BooleanField(
            label=_("Item %(number)s: required to take part") % number, required=False
        )
        for language in self.languages:
            label = _("Item %(number)s: label — %(language)s") % {**number, "language": language_name(language)}
            self.fields[f"item-{index}-label-{language}"] = _text(label, 500, language)
        self.fields[f"item-{index}-remove"] = forms.BooleanField(
            label=_("Item %(number)s: leave out of this version") % number, required=False
        )

    def _add_question_fields(self, index: int) -> None:
        number = {"number": index + 1}
        for language in self.languages:
            named = {**number, "language": language_name(language)}
            self.fields[f"question-{index}-text-{language}"] = _text(
                _("Question %(number)s — %(language)s") % named, 500, language
            )
            self.fields[f"question-{index}-choices-{language}"] = _text(
                _("Question %(number)s: choices, one per line — %(language)s") % named, 2000, language, rows=3
            )
        self.fields[f"question-{index}-answer"] = forms.IntegerField(
            label=_("Question %(number)s: number of the right choice") % number,
            min_value=1,
            max_value=MAX_CHOICES,
            required=False,
        )
        self.fields[f"question-{index}-remove"] = forms.BooleanField(
            label=_("Question %(number)s: leave out of this version") % number, required=False
        )

    # What the template lays out -----------------------------------------------------------------------------

    def language_sections(self) -> Iterator[tuple[str, str, forms.BoundField, forms.BoundField]]:
        for language in self.languages:
            yield language, language_name(language), self[f"title-{language}"], self[f"body-{language}"]

    def item_rows(self) -> Iterator[ItemRow]:
        for index in range(self.item_count):
            key = self.initial.get(f"item-{index}-key", "")
            yield ItemRow(
                key=self[f"item-{index}-key"],
                required=self[f"item-{index}-required"],
                remove=self[f"item-{index}-remove"] if index < self.existing[0] else None,
                labels=[(language, self[f"item-{index}-label-{language}"]) for language in self.languages],
                note=ITEM_NOTES.get(key, CUSTOM_NOTE) if key else None,
            )

    def question_rows(self) -> Iterator[QuestionRow]:
        for index in range(self.question_count):
            texts = [
                (language, self[f"question-{index}-text-{language}"], self[f"question-{index}-choices-{language}"])
                for language in self.languages
            ]
            remove = self[f"question-{index}-remove"] if index < self.existing[1] else None
            yield QuestionRow(self[f"question-{index}-answer"], remove, texts)

    def readymade_rows(self) -> list[tuple[Any, Promise]]:
        """The checkbox of each ready-made item the draft lacks, with what the platform does with the item (every
        one stays a valid choice: one already in the form is simply not added twice)."""
        return [
            (box, ITEM_NOTES[box.data["value"]]) for box in self["readymade"] if box.data["value"] not in self.present
        ]

    # Validation --------------------------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        items = [item for index in range(self.item_count) if (item := self._clean_item(index)) is not None]
        keys = {item.key for item in items}
        for key in cleaned.get("readymade", []):
            if key not in keys:
                labels = {language: default_label(key, language) for language in self.languages}
                items.append(DraftItem(key=key, required=False, labels=labels))
                keys.add(key)
        questions = [q for index in range(self.question_count) if (q := self._clean_question(index)) is not None]
        self.draft = ConsentDraft(
            titles={language: cleaned.get(f"title-{language}", "") for language in self.languages},
            bodies={language: cleaned.get(f"body-{language}", "") for language in self.languages},
            items=items,
            questions=questions,
        )
        return cleaned

    def _clean_item(self, index: int) -> DraftItem | None:
        prefix = f"item-{index}-"
        key = self.cleaned_data.get(prefix + "key", "")
        labels = {language: self.cleaned_data.get(f"{prefix}label-{language}", "") for language in self.languages}
        if self.cleaned_data.get(prefix + "remove") or not (key or any(labels.values())):
            return None
        if not key:
            self.add_error(prefix + "key", _("Give the item a key, for example data_sharing."))
        elif not KEY_PATTERN.match(key):
            self.add_error(
                prefix + "key", _("Use lower-case letters, digits and underscores only, starting with a letter.")
            )
        elif any(self.cleaned_data.get(f"item-{other}-key") == key for other in self._kept_items(index)):
            self.add_error(prefix + "key", _("An item above already has this key."))
        else:
            return DraftItem(key=key, required=bool(self.cleaned_data.get(prefix + "required")), labels=labels)
        return None

    def _kept_items(self, before: int) -> Iterator[int]:
        return (i for i in range(before) if not self.cleaned_data.get(f"item-{i}-remove"))

    def _clean_question(self, index: int) -> DraftQuestion | None:
        prefix = f"question-{index}-"
        texts = {language: self.cleaned_data.get(f"{prefix}text-{language}", "") for language in self.languages}
        choices = {
            language: [line.strip() for line in self.cleaned_data.get(f"{prefix}choices-{language}", "").splitlines()]
            for language in self.languages
        }
        choices = {language: [line for line in lines if line] for language, lines in choices.items()}
        if self.cleaned_data.get(prefix + "remove") or not (any(texts.values()) or any(choices.values())):
            return None
        sizes = [(language, len(lines)) for language, lines in choices.items() if lines]
        if not sizes:
            self.add_error(f"{prefix}choices-{self.languages[0]}", _("Give at least two choices, one per line."))
            return None
        problems = self._choice_problems(prefix, sizes)
        answer, count = self.cleaned_data.get(prefix + "answer"), sizes[0][1]
        if answer is None or answer > count:
            message = _("Give the number of the right choice, from 1 to %(count)s.") % {"count": count}
            self.add_error(prefix + "answer", message)
            return None
        return None if problems else DraftQuestion(texts=texts, choices=choices, answer=answer - 1)

    def _choice_problems(self, prefix: str, sizes: list[tuple[str, int]]) -> int:
        """Marks each language whose choices are too few, too many, or not as many as the first one's."""
        (first, count), problems = sizes[0], 0
        for language, size in sizes:
            if not MIN_CHOICES <= size <= MAX_CHOICES:
                message = _("Give from %(least)s to %(most)s choices, one per line.")
                self.add_error(f"{prefix}choices-{language}", message % {"least": MIN_CHOICES, "most": MAX_CHOICES})
                problems += 1
            elif size != count:
                message = _("Give as many choices as in %(language)s (%(count)s).")
                named = {"language": language_name(first), "count": count}
                self.add_error(f"{prefix}choices-{language}", message % named)
                problems += 1
        return problems

    # Publishing refused: each missing text marked on its field ------------------------------------------------

    def refuse_publication(self, version: int, missing: list[Missing]) -> None:
        """Show publishing's refusal on the fields still empty; the form is unbound, holding the saved draft."""
        self.cleaned_data = {}  # an unbound form has none, and add_error looks there
        message = _("Version %(version)s was not published: a text is missing in at least one language.")
        self.add_error(None, message % {"version": version})
        fields = {
            "title": "title-{language}",
            "body": "body-{language}",
            "label": "item-{index}-label-{language}",
            "question": "question-{index}-text-{language}",
            "choices": "question-{index}-choices-{language}",
        }
        for gap in missing:
            name = fields[gap.part].format(language=gap.language, index=gap.index)
            if name in self.fields:
                self.add_error(name, _("Needed in every language before publishing."))
            else:
                self.add_error(None, gap.message)


def _initial(draft: ConsentDraft, item_count: int, question_count: int) -> dict[str, Any]:
    initial: dict[str, Any] = {"items": item_count, "questions": question_count}
    for language, title in draft.titles.items():
        initial[f"title-{language}"] = title
    for language, body in draft.bodies.items():
        initial[f"body-{language}"] = body
    for index, item in enumerate(draft.items):
        initial[f"item-{index}-key"] = item.key
        initial[f"item-{index}-required"] = item.required
        initial.update({f"item-{index}-label-{language}": label for language, label in item.labels.items()})
    for index, question in enumerate(draft.questions):
        initial[f"question-{index}-answer"] = question.answer + 1
        initial.update({f"question-{index}-text-{language}": text for language, text in question.texts.items()})
        for language, choices in question.choices.items():
            initial[f"question-{index}-choices-{language}"] = "\n".join(choices)
    return initial
