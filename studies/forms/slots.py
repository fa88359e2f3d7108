"""Researcher forms for interview slots and for withdrawing a participant."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from studies.models import Participant, Slot, Study
from studies.permissions import CONTACT_ROLES


class SlotForm(forms.ModelForm):
    class Meta:
        model = Slot
        fields = ("start", "duration_minutes", "mode", "interviewer", "details")
        widgets = {"start": forms.DateTimeInput(attrs={"type": "datetime-local"})}
        help_texts = {"start": _("In UTC.")}

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["interviewer"]
        field.queryset = User.objects.filter(memberships__study=study, memberships__role__in=CONTACT_ROLES)  # type: ignore[attr-defined]
        field.required = False


class ResearcherWithdrawalForm(forms.Form):
    scope = forms.ChoiceField(label=_("Scope"), choices=Participant.WithdrawalScope.choices, widget=forms.RadioSelect)
