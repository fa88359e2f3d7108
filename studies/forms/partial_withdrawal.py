"""The team's form to apply a partial withdrawal after a distress mark (studies.partial_withdrawal_views)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PartialWithdrawalForm(forms.Form):
    """`confirm` is always asked; `asked` only while the participant's request is not on record (they
    asked by phone or e-mail rather than on their page)."""

    asked = forms.BooleanField(
        label=_("The participant asked me, by phone, e-mail or in person, that the part after the mark is not used."),
        required=False,
    )
    confirm = forms.BooleanField(
        label=_(
            "Delete everything after the mark: the recording from that moment, the transcript in every version, "
            "codings and every export archive of the study. This cannot be undone."
        ),
        error_messages={"required": _("Tick the box to confirm that the part after the mark is deleted.")},
    )
