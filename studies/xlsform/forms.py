"""The form that uploads a questionnaire file (an XLSForm or a REDCap data dictionary)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from studies.models import Questionnaire


class QuestionnaireImportForm(forms.Form):
    file = forms.FileField(
        allow_empty_file=True,  # the importer says so, in the words it uses for every refused file
        label=_("File: an XLSForm (.xlsx) or a REDCap data dictionary (.csv)"),
        help_text=_("At most 5 MB. Nothing is created unless the whole file can be imported."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Questionnaire.Kind.choices, initial=Questionnaire.Kind.BACKGROUND)
    available_from = forms.ChoiceField(
        label=_("Asked from the stage (not for screening)"), choices=Questionnaire.Stage.choices
    )
