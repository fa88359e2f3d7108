"""The form of "Import a project as a new study" (exports page)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from studies.services.study_setup import SLUG_MAX_LENGTH

MAX_IMPORT_BYTES = 200 * 1024 * 1024


class NewStudyImportForm(forms.Form):
    project = forms.FileField(label=_("Project file (.qdpx)"))
    slug = forms.SlugField(
        label=_("Address of the new study"),
        max_length=SLUG_MAX_LENGTH,
        help_text=_("Lower-case letters, digits and hyphens, for example my-interviews."),
    )
    title = forms.CharField(
        label=_("Title of the new study"), max_length=200, required=False, help_text=_("Empty: the project's name.")
    )

    def clean_project(self) -> object:
        upload = self.cleaned_data["project"]
        if upload.size is None or upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("Choose a .qdpx file of at most 200 MB."))
        return upload
