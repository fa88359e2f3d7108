"""The study form: creating a study and editing its settings.

Descriptions are one text box per study language. Without JavaScript the form cannot grow boxes while someone
types languages, so a save whose languages gained one comes back with the new boxes (nothing saved yet) and
`languages_without_box` says which.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, validate_slug
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from studies.iso_names import is_rtl, language_code, language_name
from studies.models import QuotaStage, Study
from studies.services.study_setup import RESERVED_SLUGS, SLUG_MAX_LENGTH, StudySettings

MAX_LANGUAGES = 20
DESCRIPTION_MAX_LENGTH = 5000
SEPARATORS = re.compile(r"[\s,;]+")


def parse_languages(text: str) -> tuple[list[str], list[str]]:
    """(known codes in their stored form, in order and without repeats; the pieces that are not codes)."""
    known: list[str] = []
    unknown: list[str] = []
    for piece in filter(None, SEPARATORS.split(text)):
        code = language_code(piece)
        if code is None:
            unknown.append(piece)
        elif code not in known:
            known.append(code)
    return known, unknown


def clean_new_slug(value: str) -> str:
    """A new study's address as typed (lower-cased), empty to make one from the title; refused when it is not a
    slug, is reserved or is taken. Shared by every form that makes a study (seeds.forms too)."""
    slug = value.strip().lower()
    if not slug:
        return ""
    validate_slug(slug)
    if slug in RESERVED_SLUGS:
        raise forms.ValidationError(_("This address is reserved; choose another."))
    if Study.objects.filter(slug=slug).exists():
        raise forms.ValidationError(_("Another study already uses this address; choose another."))
    return slug


class StudyForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    slug = forms.CharField(
        label=gettext_lazy("Address (slug)"),
        max_length=SLUG_MAX_LENGTH,
        required=False,
        help_text=gettext_lazy(
            "Letters, digits and hyphens, used in the study's links (for example /p/your-slug/). Leave it empty to "
            "make one from the title. It cannot be changed later."
        ),
    )
    languages = forms.CharField(
        label=gettext_lazy("Languages"),
        max_length=400,
        help_text=gettext_lazy(
            "ISO 639 codes separated by commas, for example: en, es, hi, ar. The first is the default language."
        ),
    )
    target_sample_size = forms.IntegerField(
        label=gettext_lazy("Target sample size"), validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    ethics_reference = forms.CharField(label=gettext_lazy("Ethics approval reference"), max_length=120, required=False)
    contact_email = forms.EmailField(
        label=gettext_lazy("Contact e-mail for participants"),
        required=False,
        help_text=gettext_lazy("Shown on the public pages and in e-mails, for questions about the study."),
    )
    raw_audio_retention_days = forms.IntegerField(
        label=gettext_lazy("Delete raw recordings this many days after their transcript is approved"),
        required=False,
        validators=[MinValueValidator(0), MaxValueValidator(36_500)],
        help_text=gettext_lazy("Required before recruiting starts."),
    )
    contact_retention_days = forms.IntegerField(
        label=gettext_lazy("Delete contact details this many days after the study closes"),
        required=False,
        validators=[MinValueValidator(0), MaxValueValidator(36_500)],
        help_text=gettext_lazy("Required before recruiting starts."),
    )
    quota_stage = forms.ChoiceField(label=gettext_lazy("Quotas count people once they have"), choices=QuotaStage)
    video_call_base_url = forms.URLField(
        label=gettext_lazy("Video-call base address"),
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy(
            "For slots that generate a meeting link per booking: an https address such as https://meet.jit.si/."
        ),
    )
    member_check_raw = forms.BooleanField(
        label=gettext_lazy("Send participants their transcript unredacted for member checking"),
        required=False,
        help_text=gettext_lazy(
            "Off (the default): a participant who checks their transcript reads the redacted version, with tags such "
            "as [NAME-1]. On: they read what was said, names included."
        ),
    )

    def __init__(self, data: Any = None, *, study: Study | None = None, **kwargs: Any) -> None:
        self.study = study
        if study is not None:
            kwargs.setdefault("initial", initial_for(study))
        else:
            kwargs.setdefault("initial", {"languages": "en", "target_sample_size": 20})
        super().__init__(data, **kwargs)
        if study is not None:
            del self.fields["slug"]  # chosen once: the public links that carry it are already shared
        self.description_languages = self._languages_shown()
        for code in self.description_languages:
            self.fields[f"description_{code}"] = _description_field(code)
            if study is not None:
                self.initial[f"description_{code}"] = study.descriptions.get(code, "")

    def _languages_shown(self) -> list[str]:
        text = self.data.get("languages", "") if self.is_bound else self.initial.get("languages", "")
        return parse_languages(str(text))[0]

    def description_fields(self) -> list[forms.BoundField]:
        return [self[f"description_{code}"] for code in self.description_languages]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("description_")]

    def languages_without_box(self) -> list[str]:
        """Study languages whose description box the person has not seen yet (typed since the page was shown)."""
        return [code for code in self.description_languages if f"description_{code}" not in self.data]

    def clean_slug(self) -> str:
        return clean_new_slug(self.cleaned_data["slug"])

    def clean_languages(self) -> list[str]:
        known, unknown = parse_languages(self.cleaned_data["languages"])
        if unknown:
            raise forms.ValidationError(
                _("Not a language code: %(codes)s. Use ISO 639 codes such as en, es, hi or ar.")
                % {"codes": ", ".join(unknown)}
            )
        if not known:
            raise forms.ValidationError(_("Give at least one language."))
        if len(known) > MAX_LANGUAGES:
            raise forms.ValidationError(_("At most %(count)d languages.") % {"count": MAX_LANGUAGES})
        return known

    def clean_video_call_base_url(self) -> str:
        url = self.cleaned_data["video_call_base_url"]
        if url and not url.startswith("https://"):
            raise forms.ValidationError(_("Use an https:// address: meeting links must be private."))
        return str(url)

    def values(self) -> StudySettings:
        """The validated settings (call after is_valid())."""
        data = self.cleaned_data
        languages = data["languages"]
        descriptions = {code: data.get(f"description_{code}", "").strip() for code in languages}
        return StudySettings(
            title=data["title"].strip(),
            languages=languages,
            descriptions={code: text for code, text in descriptions.items() if text},
            target_sample_size=data["target_sample_size"],
            ethics_reference=data["ethics_reference"].strip(),
            contact_email=data["contact_email"],
            raw_audio_retention_days=data["raw_audio_retention_days"],
            contact_retention_days=data["contact_retention_days"],
            quota_stage=data["quota_stage"],
            video_call_base_url=data["video_call_base_url"],
            member_check_raw=data["member_check_raw"],
        )


def _description_field(code: str) -> forms.CharField:
    attrs = {"lang": code, "rows": 4}
    if is_rtl(code):
        attrs["dir"] = "rtl"
    return forms.CharField(
        label=_("Description in %(language)s (%(code)s)") % {"language": language_name(code), "code": code},
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs=attrs),
        help_text=_("What people read at the top of the screening page."),
    )


def initial_for(study: Study) -> dict[str, Any]:
    return {
        "title": study.title,
        "languages": ", ".join(study.languages or ["en"]),
        "target_sample_size": study.target_sample_size,
        "ethics_reference": study.ethics_reference,
        "contact_email": study.contact_email,
        "raw_audio_retention_days": study.raw_audio_retention_days,
        "contact_retention_days": study.contact_retention_days,
        "quota_stage": study.quota_stage,
        "video_call_base_url": study.video_call_base_url,
        "member_check_raw": study.member_check_raw,
    }
