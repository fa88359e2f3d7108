"""The team's forms for incentives: the compensation plan (with what participants read, per study language), a
payment, a cancellation and a line added by hand.

The forms read what was typed; the rules (every study language, the currency, who may do what, dates) are the
service's (studies.services.incentives), which names the field of each refusal with the same names as here.
Each form on the ledger has its own prefix, so every row's fields have ids of their own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studies.iso_names import is_rtl, language_name
from studies.models import CompensationPlan, PaymentMethod, Study
from studies.services.incentives import (
    DESCRIPTION_MAX_LENGTH,
    GIFT_CODE_MAX_LENGTH,
    MAX_AMOUNT,
    REFERENCE_MAX_LENGTH,
)

AMOUNT_ATTRS = {"inputmode": "decimal", "step": "0.01", "min": "0.01"}
CURRENCY_ATTRS = {"maxlength": 3, "autocapitalize": "characters", "spellcheck": "false", "size": 5}


def _amount() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Amount"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
        widget=forms.NumberInput(attrs=AMOUNT_ATTRS),
    )


def _currency() -> forms.CharField:
    return forms.CharField(
        label=_("Currency"),
        max_length=3,
        help_text=_("Its three-letter ISO 4217 code, such as USD, EUR or INR."),
        widget=forms.TextInput(attrs=CURRENCY_ATTRS),
    )


def description_field(code: str) -> str:
    return f"description-{code}"


class PlanForm(forms.Form):
    amount = _amount()
    currency = _currency()
    method = forms.ChoiceField(label=_("How it is paid"), choices=PaymentMethod.choices)
    earned_when = forms.ChoiceField(
        label=_("When it is earned"), choices=CompensationPlan.Trigger.choices, widget=forms.RadioSelect
    )

    def __init__(self, data: QueryDict | None = None, *, study: Study, plan: CompensationPlan | None) -> None:
        self.languages = list(study.languages or ["en"])
        initial: dict[str, Any] = {"earned_when": CompensationPlan.Trigger.INTERVIEW_DONE}
        if plan is not None:
            initial = {"amount": plan.amount, "currency": plan.currency, "method": plan.method}
            initial |= {"earned_when": plan.earned_when}
            initial |= {description_field(code): text for code, text in (plan.descriptions or {}).items()}
        super().__init__(data, initial=initial)
        for code in self.languages:
            attrs = {"rows": 3, "lang": code, "dir": "rtl" if is_rtl(code) else "auto"}
            attrs["maxlength"] = DESCRIPTION_MAX_LENGTH
            label = _("What participants read in %(language)s") % {"language": language_name(code)}
            self.fields[description_field(code)] = forms.CharField(
                label=label, required=False, strip=True, widget=forms.Textarea(attrs=attrs)
            )

    def description_fields(self) -> list[forms.BoundField]:
        return [self[description_field(code)] for code in self.languages]

    def plan_values(self) -> dict[str, Any]:
        """The keyword arguments of save_plan (call after is_valid())."""
        data = self.cleaned_data
        return {
            "amount": data["amount"],
            "currency": data["currency"],
            "method": data["method"],
            "earned_when": data["earned_when"],
            "descriptions": {code: data.get(description_field(code), "") for code in self.languages},
        }


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(
        label=_("Payment reference"),
        required=False,
        max_length=REFERENCE_MAX_LENGTH,
        help_text=_("The finance office's reference, such as a transfer number (optional)."),
    )
    gift_code = forms.CharField(
        label=_("Gift-card code"),
        required=False,
        max_length=GIFT_CODE_MAX_LENGTH,
        help_text=_("Shown to the participant on their page, never e-mailed; stored encrypted (optional)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, data: QueryDict | None = None, *, incentive_id: int) -> None:
        super().__init__(data, prefix=f"pay-{incentive_id}", initial={"paid_on": timezone.localdate()})


class CancelForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Cancel this line: the person is not owed it"),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def __init__(self, data: QueryDict | None = None, *, incentive_id: int) -> None:
        super().__init__(data, prefix=f"cancel-{incentive_id}")


class ManualLineForm(forms.Form):
    participant = forms.CharField(
        label=_("Participant code"), max_length=16, widget=forms.TextInput(attrs={"spellcheck": "false"})
    )
    amount = _amount()
    currency = _currency()
    method = forms.ChoiceField(label=_("How it is paid"), choices=PaymentMethod.choices)

    def __init__(self, data: QueryDict | None = None, *, plan: CompensationPlan | None) -> None:
        initial = {"currency": plan.currency, "method": plan.method} if plan is not None else {}
        super().__init__(data, prefix="add", initial=initial)
