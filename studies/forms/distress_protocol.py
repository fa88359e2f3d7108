"""The team's form for a study's distress protocol: the assessment questions side by side in each study language,
which outcomes alert the safety contacts at once and which need a follow-up, and the follow-up's time, person and
channel.

The form only reads what was typed; the rules (every study language, lengths, how many questions, who may follow
up, the range of hours) are the service's (studies.services.distress_protocol.save_protocol), which names the field
of each refusal with the same names as here ("q-<row>-<language>", …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.forms import BoundField
from django.http import QueryDict
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from studies.iso_names import is_rtl, language_name
from studies.models import Role, SafetyEvent, Study, StudyMembership
from studies.services.distress import (
    DEFAULT_QUESTIONS,
    INTERVIEW_ROLES,
    MAX_QUESTIONS,
    QUESTION_MAX_LENGTH,
    Protocol,
)

ROWS_AHEAD = 2  # empty rows after the last question: a page without script cannot add rows
MAX_ROWS_READ = 50  # a posted form is read up to here; the service refuses more than MAX_QUESTIONS questions
QUESTION_FIELD = re.compile(r"q-(\d+)-")
ROLE_ORDER: dict[str, int] = {Role.OWNER: 0, Role.RESEARCHER: 1, Role.INTERVIEWER: 2}


def question_field(row: int, code: str) -> str:
    return f"q-{row}-{code}"


def default_question(row: int, code: str) -> str:
    """The platform's question of this row in the language `code` (English where it has no translation)."""
    if row >= len(DEFAULT_QUESTIONS):
        return ""
    with translation.override(code):
        return str(DEFAULT_QUESTIONS[row])


@dataclass(frozen=True)
class Cell:
    """One question in one language: its field, the language's name and whether the row lacks it."""

    code: str
    language: str
    field: BoundField
    missing: bool


class DistressProtocolForm(forms.Form):
    notify_outcomes = forms.MultipleChoiceField(
        label=_("Alert the safety contacts at once for"),
        choices=SafetyEvent.Outcome.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    follow_up_outcomes = forms.MultipleChoiceField(
        label=_("Schedule a follow-up for"),
        choices=SafetyEvent.Outcome.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    follow_up_hours = forms.IntegerField(
        label=_("Follow-up due after (hours)"),
        help_text=_("From 1 to 336 hours (two weeks) after the assessment."),
        widget=forms.NumberInput(attrs={"min": 1, "max": 336, "inputmode": "numeric"}),
    )
    follow_up_assignee = forms.ChoiceField(label=_("Who follows up"), required=False)
    follow_up_channel = forms.ChoiceField(label=_("How"), choices=SafetyEvent.Channel.choices)

    def __init__(self, data: QueryDict | None = None, *, study: Study, protocol: Protocol) -> None:
        self.languages = list(study.languages or ["en"])
        self.rows = _posted_rows(data) if data is not None else _shown_rows(protocol)
        super().__init__(data, initial=_initial(protocol))
        questions = {
            question_field(row, code): self._question(row, code) for row in range(self.rows) for code in self.languages
        }
        self.fields = {**questions, **self.fields}
        assignee = cast(forms.ChoiceField, self.fields["follow_up_assignee"])
        assignee.choices = [("", _("The interviewer who marked it")), *_assignees(study)]

    def _question(self, row: int, code: str) -> forms.CharField:
        attrs = {"rows": 3, "lang": code, "dir": "rtl" if is_rtl(code) else "auto", "maxlength": QUESTION_MAX_LENGTH}
        placeholder = default_question(row, code)
        if placeholder:
            attrs["placeholder"] = placeholder
        label = _("Question %(number)d in %(language)s") % {"number": row + 1, "language": language_name(code)}
        return forms.CharField(label=label, required=False, strip=True, widget=forms.Textarea(attrs=attrs))

    def question_rows(self) -> list[tuple[int, list[Cell]]]:
        """Each row's cells, one per study language; a cell is missing when its row has text in another language."""
        rows = []
        for row in range(self.rows):
            fields = {code: self[question_field(row, code)] for code in self.languages}
            typed = {code: str(field.value() or "").strip() for code, field in fields.items()}
            cells = [
                Cell(code, language_name(code), field, any(typed.values()) and not typed[code])
                for code, field in fields.items()
            ]
            rows.append((row + 1, cells))
        return rows

    def protocol_values(self) -> dict[str, Any]:
        """The keyword arguments of save_protocol (call after is_valid())."""
        data = self.cleaned_data
        assignee = data["follow_up_assignee"]
        return {
            "questions": [
                {code: data.get(question_field(row, code), "") for code in self.languages} for row in range(self.rows)
            ],
            "notify_outcomes": list(data["notify_outcomes"]),
            "follow_up_outcomes": list(data["follow_up_outcomes"]),
            "follow_up_hours": data["follow_up_hours"],
            "follow_up_assignee_id": int(assignee) if assignee else None,
            "follow_up_channel": data["follow_up_channel"],
        }


def _shown_rows(protocol: Protocol) -> int:
    return min(MAX_QUESTIONS, max(len(protocol.questions), len(DEFAULT_QUESTIONS)) + ROWS_AHEAD)


def _posted_rows(data: QueryDict) -> int:
    rows = [int(match[1]) for key in data if (match := QUESTION_FIELD.match(key))]
    return min(max(rows, default=-1) + 1, MAX_ROWS_READ)


def _initial(protocol: Protocol) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "notify_outcomes": list(protocol.notify_outcomes),
        "follow_up_outcomes": list(protocol.follow_up_outcomes),
        "follow_up_hours": protocol.follow_up_hours,
        "follow_up_assignee": str(protocol.follow_up_assignee_id or ""),
        "follow_up_channel": protocol.follow_up_channel,
    }
    for row, texts in enumerate(protocol.questions):
        initial |= {question_field(row, code): text for code, text in texts.items()}
    return initial


def _assignees(study: Study) -> list[tuple[str, str]]:
    """The members who may follow up: owners, researchers, interviewers (named, with their role)."""
    members = StudyMembership.objects.filter(study=study, role__in=INTERVIEW_ROLES).select_related("user")
    ordered = sorted(members, key=lambda member: (ROLE_ORDER[member.role], str(member.user).casefold()))
    return [(str(member.user_id), f"{member.user} ({member.get_role_display()})") for member in ordered]
