"""The interviewer's forms of the distress protocol: the assessment's outcome and note, and the time of a mark in
the recording (minutes and seconds, as a player shows it)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from studies.models import SafetyEvent
from studies.services.distress import NOTE_MAX_LENGTH

# 12:30, 1:02:05, or plain seconds (75); seconds and minutes under an hour have two digits after a colon.
CLOCK = re.compile(r"(?:(?:(?P<hours>\d{1,2}):)?(?P<minutes>\d{1,4}):)?(?P<seconds>\d{1,5})")


def parse_clock(text: str) -> float:
    """Seconds from "m:ss", "h:mm:ss" or a number of seconds; ValueError for anything else."""
    match = CLOCK.fullmatch(text.strip())
    if match is None:
        raise ValueError(text)
    hours, minutes, seconds = (int(match[name] or 0) for name in ("hours", "minutes", "seconds"))
    after_colon = match["minutes"] is not None
    if after_colon and (seconds >= 60 or len(match["seconds"]) != 2):
        raise ValueError(text)
    if match["hours"] is not None and (minutes >= 60 or len(match["minutes"]) != 2):
        raise ValueError(text)
    return float(hours * 3600 + minutes * 60 + seconds)


class AssessmentForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What did you decide together?"),
        choices=SafetyEvent.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you decided together.")},
    )
    note = forms.CharField(
        label=_("Your note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "How the participant is, what you agreed, whom you told. Stored encrypted; only owners and "
            "researchers read it. Write only what the follow-up needs."
        ),
    )


class OffsetForm(forms.Form):
    offset = forms.CharField(
        label=_("Time in the recording (m:ss)"),
        max_length=12,
        error_messages={"required": _("Give the time in the recording as minutes and seconds, for example 12:30.")},
    )

    def clean_offset(self) -> float:
        try:
            return parse_clock(self.cleaned_data["offset"])
        except ValueError:
            raise ValidationError(
                _("Give the time in the recording as minutes and seconds, for example 12:30."), code="clock"
            ) from None
