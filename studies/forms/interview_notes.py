"""The interviewer's note form on the interview page (studies.services.interview_notes)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from studies.services.interview_notes import NOTE_MAX_LENGTH


class InterviewNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Your note"),
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note first.")},
    )
