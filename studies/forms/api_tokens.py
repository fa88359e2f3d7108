from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studies.models import Study


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name (what the token is for)"), max_length=100)
    studies = forms.ModelMultipleChoiceField(
        label=_("Studies it may reach"), queryset=Study.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    read_only = forms.BooleanField(label=_("Read-only"), required=False, initial=True)
    expires_on = forms.DateField(
        label=_("Expires on (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only studies the person holds a role on: a token never reaches further than its owner.
        studies = cast(forms.ModelMultipleChoiceField, self.fields["studies"])
        studies.queryset = Study.objects.filter(memberships__user=user).order_by("title")

    def clean_expires_on(self) -> date | None:
        expires_on: date | None = self.cleaned_data["expires_on"]
        if expires_on is not None and expires_on <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date in the future."))
        return expires_on
