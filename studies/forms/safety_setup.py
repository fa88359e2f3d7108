"""The safety set-up's forms: a crisis resource, a safety contact, copying the platform's list, the preview's choice.

Country names come from pycountry in the page's language (the same list the screening form offers participants).
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from studies.forms.screening import LongSelect, country_choices, language_choices
from studies.models import CrisisResource, SafetyContact, Study
from studies.services.safety_setup import ContactFields, ResourceFields

# Digits, spaces, + - ( ) only, a leading + at most, and enough digits to dial: "988", "116 123", "+1 (800) 273-8255".
PHONE = re.compile(r"\+?[0-9 ()\-]+")
PHONE_MIN_DIGITS = 3
PHONE_MAX_DIGITS = 20
# The checkbox value that stands for the international rows (their country is empty).
INTERNATIONAL = "intl"
MAX_POSITION = 10_000


def validate_phone(value: str) -> None:
    digits = sum(character.isdigit() for character in value)
    if not PHONE.fullmatch(value) or not PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS:
        raise ValidationError(
            _("Write the number with digits, spaces and + - ( ) only, for example +1 (800) 273-8255."), code="phone"
        )


def country_name(code: str) -> str:
    """The country's name in the active language; "International (fallback)" for the empty code."""
    if not code:
        return str(_("International (fallback)"))
    return dict(country_choices(get_language() or "en")).get(code, code)


def language_name(code: str) -> str:
    """The language's name in the active language, else its code (a study may use any ISO 639 code)."""
    if not code:
        return str(_("Any language"))
    return dict(language_choices(get_language() or "en")).get(code, code)


def _country_field(*, label: Any, blank: Any, help_text: Any = "") -> forms.ChoiceField:
    rows = [row for row in country_choices(get_language() or "en") if row[0]]
    return forms.ChoiceField(
        label=label, choices=[("", blank), *rows], required=False, widget=LongSelect, help_text=help_text
    )


def _language_choices(study: Study) -> list[tuple[str, str]]:
    return [(code, f"{language_name(code)} ({code})") for code in study.languages or ["en"]]


def _phone_field() -> forms.CharField:
    return forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )


class CrisisResourceForm(forms.Form):
    name = forms.CharField(label=_("Name of the service"), max_length=160)
    phone = _phone_field()
    url = forms.URLField(
        label=_("Web address"),
        max_length=200,
        required=False,
        assume_scheme="https",
        # Participants click it: no javascript:, data: or ftp: links.
        validators=[URLValidator(schemes=["http", "https"])],
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("When it is open, what it costs, who it is for: in the row's language."),
    )
    position = forms.IntegerField(
        label=_("Position"),
        min_value=0,
        max_value=MAX_POSITION,
        required=False,
        help_text=_("Lower numbers are listed first. Leave empty to list it after the others."),
    )

    def __init__(self, *args: Any, study: Study, resource: CrisisResource | None = None, **kwargs: Any) -> None:
        if resource is not None:
            kwargs.setdefault("initial", {f.name: getattr(resource, f.name) for f in fields(ResourceFields)})
        super().__init__(*args, **kwargs)
        self.fields = {
            "country": _country_field(
                label=_("Country"),
                blank=_("International (fallback)"),
                help_text=_("International rows are shown to everyone, after the rows for their country."),
            ),
            "language": forms.ChoiceField(
                label=_("Language of this row"),
                choices=[("", _("Any language")), *_language_choices(study)],
                required=False,
                help_text=_("A row in one language replaces the row of the same name for people reading in it."),
            ),
            **self.fields,
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("phone") and not data.get("url") and not self.has_error("phone") and not self.has_error("url"):
            raise ValidationError(_("Give a phone number or a web address, so that people can reach the service."))
        return data

    def resource_fields(self) -> ResourceFields:
        data = self.cleaned_data
        return ResourceFields(
            country=data["country"],
            language=data["language"],
            name=data["name"].strip(),
            phone=data["phone"].strip(),
            url=data["url"],
            description=data["description"].strip(),
            position=data["position"],
        )


class SafetyContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("Safety alerts are e-mailed to every contact with an address.")
    )
    phone = _phone_field()
    notes = forms.CharField(
        label=_("How to reach them"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Hours, time zone, a deputy: what the team needs to know to reach them in time."),
    )

    def __init__(self, *args: Any, contact: SafetyContact | None = None, **kwargs: Any) -> None:
        if contact is not None:
            kwargs.setdefault("initial", {f.name: getattr(contact, f.name) for f in fields(ContactFields)})
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            not data.get("email")
            and not data.get("phone")
            and not self.has_error("email")
            and not self.has_error("phone")
        ):
            raise ValidationError(_("Give an e-mail address or a phone number."))
        return data

    def contact_fields(self) -> ContactFields:
        data = self.cleaned_data
        return ContactFields(
            name=data["name"].strip(), email=data["email"], phone=data["phone"].strip(), notes=data["notes"].strip()
        )


class CopyDefaultsForm(forms.Form):
    """Which of the platform's countries to copy; the "everything" button copies the whole list."""

    everything = forms.BooleanField(required=False)

    def __init__(self, *args: Any, available: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        named = sorted((country_name(code), code) for code in available if code)
        choices = [(code, f"{name} ({code})") for name, code in named]
        if "" in available:
            choices.append((INTERNATIONAL, country_name("")))
        self.fields["countries"] = forms.MultipleChoiceField(
            label=_("Countries"), choices=choices, required=False, widget=forms.CheckboxSelectMultiple
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("everything") and not data.get("countries") and not self.has_error("countries"):
            raise ValidationError(_("Choose at least one country to copy, or copy the whole list."))
        return data

    def chosen(self) -> list[str] | None:
        """ISO codes to copy ("" for the international rows), or None for everything."""
        if self.cleaned_data["everything"]:
            return None
        return ["" if code == INTERNATIONAL else code for code in self.cleaned_data["countries"]]


class PreviewForm(forms.Form):
    """The country and language of the participant whose result page the preview shows."""

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"] = _country_field(label=_("Participant's country"), blank=_("No country given"))
        self.fields["language"] = forms.ChoiceField(label=_("Language of the page"), choices=_language_choices(study))
