"""The team's form for a questionnaire's section (a titled step): its key and its title in each study language.

The service (studies.services.sections) checks the key's form, that it is free, and that every title is written.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studies.models import Questionnaire, Section


class SectionForm(forms.Form):
    key = forms.SlugField(
        label=_("Section key"), max_length=60, help_text=_("Short name used in exports, such as about_you.")
    )

    def __init__(self, *args: Any, questionnaire: Questionnaire, section: Section | None = None, **kwargs: Any) -> None:
        self.languages: list[str] = questionnaire.study.languages or ["en"]
        if section is not None:
            kwargs.setdefault("initial", {"key": section.key, **{f"title_{k}": v for k, v in section.title.items()}})
        super().__init__(*args, **kwargs)
        for language in self.languages:
            self.fields[f"title_{language}"] = forms.CharField(
                label=_("Section title (%(language)s)") % {"language": language},
                max_length=200,
                widget=forms.TextInput(attrs={"lang": language}),
            )

    def title(self) -> dict[str, str]:
        return {language: self.cleaned_data[f"title_{language}"].strip() for language in self.languages}
