"""Participant portal forms: consent with per-item choices and comprehension questions, booking, withdrawal."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from config.time_zones import grouped_choices
from studies.models import ConsentDocument, Interview, Participant, Slot
from studies.services.consent import item_label
from studies.services.phone_booking import normalise_phone
from studies.services.scheduling import local_time


class ConsentForm(forms.Form):
    signature_name = forms.CharField(label=_("Type your full name to sign"), max_length=200)

    def __init__(self, *args: Any, document: ConsentDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document = document
        for item, rule in document.ordered_items():
            required = bool(rule.get("required"))
            label = item_label(item, rule) + (" " + str(_("(required)")) if required else "")
            self.fields[f"item_{item}"] = forms.BooleanField(label=label, required=required)
        for index, question in enumerate(document.comprehension_questions):
            choices = [(str(n), text) for n, text in enumerate(question["choices"])]
            self.fields[f"check_{index}"] = forms.TypedChoiceField(
                label=question["question"], choices=choices, coerce=int, widget=forms.RadioSelect
            )
        self.order_fields([*(k for k in self.fields if k != "signature_name"), "signature_name"])

    def choices(self) -> dict[str, bool]:
        return {item: bool(self.cleaned_data.get(f"item_{item}")) for item in self.document.items}

    def comprehension_answers(self) -> list[int | None]:
        return [self.cleaned_data.get(f"check_{n}") for n in range(len(self.document.comprehension_questions))]


class TimeZoneForm(forms.Form):
    tz = forms.ChoiceField(
        label=_("Show times in this time zone"),
        required=False,
        widget=forms.Select(attrs={"data-detect-timezone": "1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["tz"])
        field.choices = [("", "—"), *grouped_choices()]
        field.widget.attrs["data-zone-search"] = _("Find your city or region")


class SlotRadioSelect(forms.RadioSelect):
    """The slots as radio buttons, each with its mode (data-mode): the page's script asks for a phone number only
    when a phone interview is chosen."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        slot = getattr(option["value"], "instance", None)
        if isinstance(slot, Slot):
            option["attrs"]["data-mode"] = slot.mode
        return option


class BookingForm(forms.Form):
    slot = forms.ModelChoiceField(queryset=Slot.objects.none(), widget=SlotRadioSelect, label=_("Interview time"))
    tz = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, slots: Any, time_zone: str, phone_region: str | None = None, **kwargs: Any) -> None:
        """`phone_region`: None when no phone number is asked for (the person has one, or no phone slot is open);
        else their country (ISO alpha-2, may be "") for numbers typed without a country code."""
        super().__init__(*args, **kwargs)
        field = self.fields["slot"]
        field.queryset = slots  # type: ignore[attr-defined]
        field.label_from_instance = lambda slot: _slot_label(slot, time_zone)  # type: ignore[attr-defined]
        self.phone_region = phone_region
        if phone_region is not None:
            self.fields["phone"] = forms.CharField(
                label=_("Your phone number"),
                max_length=40,
                required=False,
                help_text=_(
                    "Only for a phone interview: the number the interviewer calls, with your country code. Only the "
                    "research team sees it."
                ),
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
            )

    def clean_phone(self) -> str:
        text = self.cleaned_data.get("phone", "").strip()
        if not text:
            return ""
        try:
            return normalise_phone(text, region=self.phone_region or "")
        except ValueError:
            raise forms.ValidationError(
                _(
                    "This is not a phone number we can call. Write it with your country code, for example "
                    "+44 20 7946 0018."
                )
            ) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        slot = cleaned.get("slot")
        asked = "phone" in self.fields and not self.has_error("phone") and not cleaned.get("phone")
        if asked and slot is not None and slot.mode == Interview.Mode.PHONE:
            self.add_error("phone", _("A phone interview needs the number we should call you on."))
        return cleaned


def _slot_label(slot: Slot, time_zone: str) -> str:
    start = local_time(slot.start, time_zone)
    return f"{start:%Y-%m-%d %H:%M} ({slot.duration_minutes} min, {slot.get_mode_display()})"


class WithdrawalForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("What should happen to what you have shared?"),
        choices=Participant.WithdrawalScope.choices,
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(label=_("Yes, I want to withdraw from this study."))


class NewLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("The email address you gave us"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
