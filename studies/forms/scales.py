"""The form that adds a scored scale to a questionnaire (studies.scale_views)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from studies.scales import SCALES


class ScaleForm(forms.Form):
    scale = forms.ChoiceField(
        label=_("Scale"),
        choices=[(key, scale.name) for key, scale in SCALES.items()],
        help_text=_(
            "Adds the scale's items as required questions with their scored answers. Enter the item wording your "
            "licence allows on each question's page: the platform ships the scoring, not the wording."
        ),
    )
