from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from config.time_zones import grouped_choices


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


class ProfileForm(forms.Form):
    """A team member's name as others see it and the time zone they enter and read times in."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        required=False,
        help_text=_("How your team sees you. Left empty, they see your e-mail address."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Times of slots and interviews are shown and entered in this zone."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["time_zone"])
        field.choices = [("", _("UTC (the default)")), *grouped_choices()]
        field.widget.attrs.update({"data-zone-search": _("Find a city or region"), "data-detect-timezone": "1"})
