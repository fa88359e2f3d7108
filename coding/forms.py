"""Forms of the codebook pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coding.models import Code
from coding.services import CodeDraft
from studies.models import Study

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _code_choices(study: Study, *, exclude: Code | None = None) -> Any:
    codes = Code.objects.filter(study=study).order_by("name")
    return codes.exclude(pk=exclude.pk) if exclude is not None else codes


class CodeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    definition = forms.CharField(label=_("Definition"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    when_to_use = forms.CharField(label=_("When to use"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    when_not_to_use = forms.CharField(
        label=_("When not to use"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    example = forms.CharField(label=_("Example quote"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    colour = forms.RegexField(
        label=_("Colour (#RRGGBB)"),
        regex=r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "#3366CC", "size": 8}),
    )
    is_codable = forms.BooleanField(
        label=_("Can be applied to text (untick for a folder)"), required=False, initial=True
    )

    def draft(self) -> CodeDraft:
        data = self.cleaned_data
        return CodeDraft(
            name=data["name"],
            definition=data["definition"],
            when_to_use=data["when_to_use"],
            when_not_to_use=data["when_not_to_use"],
            example=data["example"],
            colour=data["colour"],
            is_codable=data["is_codable"],
        )


class NewCodeForm(CodeForm):
    parent = forms.ModelChoiceField(label=_("Under"), queryset=Code.objects.none(), required=False)

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = _code_choices(study)  # type: ignore[attr-defined]
        self.fields["parent"].empty_label = _("(top level)")  # type: ignore[attr-defined]


class MoveForm(forms.Form):
    parent = forms.ModelChoiceField(label=_("Move under"), queryset=Code.objects.none(), required=False)

    def __init__(self, *args: Any, code: Code, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = _code_choices(code.study, exclude=code)  # type: ignore[attr-defined]
        self.fields["parent"].empty_label = _("(top level)")  # type: ignore[attr-defined]


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(label=_("Merge into"), queryset=Code.objects.none())

    def __init__(self, *args: Any, code: Code, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = _code_choices(code.study, exclude=code)  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Codebook file (.qdc or .csv)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        if not upload.name.lower().endswith((".qdc", ".csv")):
            raise forms.ValidationError(_("Choose a REFI-QDA codebook (.qdc) or a CSV file."))
        return upload
