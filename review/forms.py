"""Forms of member checking: the team's request (a deadline) and the participant's comment and answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from review.services.member_check import COMMENT_MAX_LENGTH, DEFAULT_DAYS, MESSAGE_MAX_LENGTH

APPROVE, CHANGES = "approve", "changes"


class SendForm(forms.Form):
    deadline = forms.DateField(
        label=gettext_lazy("Answer by"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "The participant can read, comment and answer until the end of this day, in their time zone."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"deadline": timezone.localdate() + timedelta(days=DEFAULT_DAYS)})
        kwargs.setdefault("auto_id", "member-check-%s")
        super().__init__(*args, **kwargs)


class CommentForm(forms.Form):
    segment = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    text = forms.CharField(
        label=gettext_lazy("Your comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Your answer"),
        choices=[(APPROVE, gettext_lazy("I approve this transcript")), (CHANGES, gettext_lazy("I would like changes"))],
    )
    message = forms.CharField(
        label=gettext_lazy("A message to the research team (optional)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "answer-%s")
        super().__init__(*args, **kwargs)
