"""Forms of the set-up file pages: cloning a study, and a new study from an uploaded set-up file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from seeds.setup import UnreadableSetup, read_setup
from seeds.setup.reading import MAX_SETUP_FILE_BYTES
from studies.forms.study import clean_new_slug
from studies.services.study_setup import SLUG_MAX_LENGTH

SLUG_HELP = gettext_lazy(
    "Letters, digits and hyphens, used in the study's links. Leave it empty to make one from the title. It cannot "
    "be changed later."
)


class _NewStudyForm(forms.Form):
    """The new study's address, checked as the study form checks it (studies.forms.study)."""

    slug = forms.CharField(
        label=gettext_lazy("Address (slug)"), max_length=SLUG_MAX_LENGTH, required=False, help_text=SLUG_HELP
    )

    def clean_slug(self) -> str:
        return clean_new_slug(self.cleaned_data["slug"])


class CloneForm(_NewStudyForm):
    title = forms.CharField(label=gettext_lazy("Title of the new study"), max_length=200)

    field_order = ("title", "slug")


class ImportForm(_NewStudyForm):
    file = forms.FileField(
        label=gettext_lazy("Set-up file (.yaml)"),
        help_text=gettext_lazy("A file exported from a study on this or another instance (at most 1 MB)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,application/yaml,text/yaml"}),
    )
    title = forms.CharField(
        label=gettext_lazy("Title of the new study"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Leave it empty to use the title in the file."),
    )

    field_order = ("file", "title", "slug")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_SETUP_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        try:
            self.document = read_setup(upload.read())
        except UnreadableSetup as error:
            raise forms.ValidationError(str(error)) from error
        return upload
