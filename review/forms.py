"""Forms of member checking (the team's request, the participant's comment and answer) and of the keep list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext_lazy

from review.services.identifiers import KEEP_TERM_MAX_LENGTH, KEEP_TERMS_MAX
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


class KeepTermsForm(forms.Form):
    terms = forms.CharField(
        label=gettext_lazy("Words never proposed for removal, one per line"),
        required=False,
        max_length=KEEP_TERMS_MAX * (KEEP_TERM_MAX_LENGTH + 2),
        widget=forms.Textarea(attrs={"rows": 14, "dir": "auto", "spellcheck": "false"}),
        help_text=gettext_lazy("Names of chatbots, apps and products, for example. Case and accents do not matter."),
    )
    keep_countries = forms.BooleanField(label=gettext_lazy("Never propose country names"), required=False)

    def clean_terms(self) -> list[str]:
        lines = [" ".join(line.split()) for line in str(self.cleaned_data.get("terms") or "").splitlines()]
        terms = list(dict.fromkeys(line for line in lines if line))
        if len(terms) > KEEP_TERMS_MAX:
            raise forms.ValidationError(
                ngettext_lazy("At most %(limit)s line, please.", "At most %(limit)s lines, please.", KEEP_TERMS_MAX),
                params={"limit": KEEP_TERMS_MAX},
            )
        for number, term in enumerate(terms, start=1):
            if len(term) > KEEP_TERM_MAX_LENGTH:
                raise forms.ValidationError(
                    gettext_lazy("Line %(number)s is longer than %(limit)s characters."),
                    params={"number": number, "limit": KEEP_TERM_MAX_LENGTH},
                )
        return terms
