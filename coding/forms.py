"""Forms of the codebook pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from coding.models import Code
from coding.services import CodeDraft
from studies.models import Role, Study

MAX_IMPORT_BYTES = 5 * 1024 * 1024
CODING_ROLE_VALUES = (Role.OWNER, Role.RESEARCHER, Role.CODER)


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


class PolicyForm(forms.Form):
    double_share = forms.IntegerField(label=_("Share of transcripts double-coded (%)"), min_value=0, max_value=100)
    coders_per_double = forms.IntegerField(label=_("Coders per double-coded transcript"), min_value=2, max_value=10)
    coders = forms.ModelMultipleChoiceField(
        label=_("Coders (none chosen: every member with the coder role)"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = User.objects.filter(memberships__study=study, memberships__role__in=CODING_ROLE_VALUES)
        self.fields["coders"].queryset = members.order_by("email")  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    """The adjudicator's ruling on one disagreement: accept a coder, merge, or write a consensus quote."""

    outcome = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    quote = forms.CharField(
        label=_("Consensus coding: the words to code, copied from the segment"), required=False, max_length=5000
    )

    def __init__(self, *args: Any, coders: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.coders = {str(c.id): c for c in coders}
        accept = [(f"accept:{c.id}", _("Accept %(coder)s's decision") % {"coder": c}) for c in coders]
        self.fields["outcome"].choices = [  # type: ignore[attr-defined]
            *accept,
            ("merge", _("Merge both codings")),
            ("consensus", _("Write a consensus coding")),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == "consensus" and not (data.get("quote") or "").strip():
            self.add_error("quote", _("Copy the words to code from the segment."))
        return data

    def chosen_outcome(self) -> str:
        return str(self.cleaned_data["outcome"]).split(":", 1)[0]

    def accepted_coder(self) -> User | None:
        kind, _sep, coder_id = str(self.cleaned_data["outcome"]).partition(":")
        return self.coders.get(coder_id) if kind == "accept" else None
