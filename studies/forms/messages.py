"""The forms of the messages page (a team's wording of one message in one language) and of the reminder settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studies.services import message_wording as wording
from studies.services.nudges import MAX_AFTER_DAYS, MAX_COUNT


class MessageTemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=wording.SUBJECT_MAX_LENGTH, strip=True)
    body = forms.CharField(
        label=_("Text"),
        max_length=wording.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Plain text. Placeholders: {code}, {study}, {link}, {contact}."),
    )

    def __init__(self, *args: Any, direction: str = "auto", language: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update({"lang": language, "dir": direction})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        found = wording.problems(subject=cleaned.get("subject") or "", body=cleaned.get("body") or "")
        for field, problem in found.items():
            if field in cleaned:  # a field refused already (empty, too long) keeps its first reason
                self.add_error(field, problem)
        return cleaned

    def wording(self) -> wording.Wording:
        return wording.Wording(self.cleaned_data["subject"], self.cleaned_data["body"])


class ReminderForm(forms.Form):
    after_days = forms.IntegerField(
        label=_("Remind after (days without a step)"), min_value=1, max_value=MAX_AFTER_DAYS
    )
    max_count = forms.IntegerField(
        label=_("Reminders at most, per step"),
        min_value=0,
        max_value=MAX_COUNT,
        help_text=_("0 turns reminders off."),
    )
