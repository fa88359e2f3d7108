from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studies.models import Study


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the six digits your app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self) -> str:
        return str(self.cleaned_data["token"]).strip()


def second_factor_field() -> forms.RegexField:
    """A code from the authenticator app or one unused recovery code (the view checks it, and spends a recovery
    code that matches)."""
    return forms.RegexField(
        label=_("Code from your authenticator app, or a recovery code"),
        # Six digits, or a recovery code as printed (ten letters and digits, a dash optional).
        regex=r"^\s*(\d{6}|[A-Za-z0-9]{5}-?[A-Za-z0-9]{5})\s*$",
        strip=True,
        error_messages={"invalid": _("Enter the six digits your app shows, or one of your recovery codes.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )


class SecondFactorForm(forms.Form):
    token = second_factor_field()


class CurrentFactorForm(forms.Form):
    current = second_factor_field()


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
        self.fields["studies"].queryset = Study.objects.filter(memberships__user=user).order_by("title")  # type: ignore[attr-defined]

    def clean_expires_on(self) -> date | None:
        expires_on: date | None = self.cleaned_data["expires_on"]
        if expires_on is not None and expires_on <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date in the future."))
        return expires_on
