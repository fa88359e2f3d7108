"""The team's form for one interview guide question: its wording in each study language and its answer length."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studies.models import GuideQuestion, Study
from studies.models.guide import DEFAULT_ANSWER_SECONDS, MAX_ANSWER_SECONDS, MIN_ANSWER_SECONDS


class GuideQuestionForm(forms.Form):
    max_seconds = forms.IntegerField(
        label=_("Longest answer (seconds)"),
        min_value=MIN_ANSWER_SECONDS,
        max_value=MAX_ANSWER_SECONDS,
        initial=DEFAULT_ANSWER_SECONDS,
        help_text=_("Recording stops by itself at this length; longer files are refused."),
    )

    def __init__(self, *args: Any, study: Study, question: GuideQuestion | None = None, **kwargs: Any) -> None:
        if question is not None:
            kwargs.setdefault(
                "initial",
                {"max_seconds": question.max_seconds, **{f"prompt_{k}": v for k, v in question.prompt.items()}},
            )
        super().__init__(*args, **kwargs)
        self.languages = study.languages or ["en"]
        prompts = {
            f"prompt_{language}": forms.CharField(
                label=_("Question (%(language)s)") % {"language": language},
                max_length=1000,
                required=index == 0,
                widget=forms.Textarea(attrs={"rows": 3, "lang": language}),
            )
            for index, language in enumerate(self.languages)
        }
        # The wording first, the length last.
        self.fields = {**prompts, "max_seconds": self.fields["max_seconds"]}

    def prompt(self) -> dict[str, str]:
        return {language: self.cleaned_data.get(f"prompt_{language}", "") for language in self.languages}
