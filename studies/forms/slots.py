"""Researcher forms for interview slots (one slot, recurring availability, a selection to delete) and for withdrawing
a participant.

Times are typed in the team member's own zone: UserTimeZoneMiddleware (accounts.middleware) activates it, and
Django's date-time fields read and show their values in the active zone (refusing a wall time that a clock change
skips or repeats).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from studies.models import Participant, Slot, Study
from studies.permissions import CONTACT_ROLES
from studies.services.availability import MAX_RANGE_DAYS, Availability
from studies.services.slots import SLOT_MODES, NoVideoCallAddress, SlotError, SlotTerms, check_meeting

WEEKDAY_CHOICES = [(str(number), WEEKDAYS[number]) for number in range(7)]


def interviewers(study: Study) -> QuerySet[User]:
    """Who may lead the study's interviews: its owners, researchers and interviewers."""
    return (
        User.objects.filter(memberships__study=study, memberships__role__in=CONTACT_ROLES)
        .order_by("display_name", "email")
        .distinct()
    )


def settings_url(study: Study) -> str:
    """Where a study's video-call address is set."""
    return reverse("studies:settings", args=[study.slug])


class SlotTermsForm(forms.Form):
    """How an interview happens and who leads it: the part every slot form shares."""

    mode = forms.ChoiceField(label=_("Mode"), choices=[(mode.value, mode.label) for mode in SLOT_MODES])
    interviewer = forms.ModelChoiceField(
        label=_("Interviewer"), queryset=User.objects.none(), required=False, empty_label=_("Not assigned yet")
    )
    details = forms.CharField(
        label=_("Meeting details"),
        max_length=300,
        required=False,
        help_text=_("A video link, a phone arrangement or a place. Only the person who books sees it."),
    )
    generate_link = forms.BooleanField(label=_("Generate a video link for each booking"), required=False)

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.study = study
        self.fields["interviewer"].queryset = interviewers(study)  # type: ignore[attr-defined]
        generate = self.fields["generate_link"]
        if study.video_call_base_url:
            generate.help_text = _("Each booking gets its own room at %(base)s, with a name nobody can guess.") % {
                "base": study.video_call_base_url
            }
        else:
            generate.help_text = _("Needs the study's video-call address, set in the study settings.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "mode" not in cleaned or "details" not in cleaned:
            return cleaned  # their own errors say what to fix first
        if self.fields["generate_link"].disabled:
            return cleaned  # a booked slot keeps the meeting terms its participant was given
        try:
            check_meeting(study=self.study, terms=self.terms())
        except NoVideoCallAddress as error:
            # A non-field error: the summary may hold a link there (a field's error is itself a link to the field).
            link = format_html('<a href="{}">{}</a>', settings_url(self.study), _("Open the study settings"))
            self.add_error(None, format_html("{} {}", str(error), link))
        except SlotError as error:
            self.add_error("generate_link", str(error))
        return cleaned

    def terms(self) -> SlotTerms:
        data = self.cleaned_data
        return SlotTerms(
            mode=data["mode"],
            interviewer=data.get("interviewer"),
            details=data.get("details", ""),
            generate_link=bool(data.get("generate_link")),
        )


class SlotForm(SlotTermsForm):
    """One slot, new or edited. A taken slot (someone booked it) offers only its interviewer to change."""

    start = forms.DateTimeField(
        label=_("Start"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    duration_minutes = forms.IntegerField(label=_("Length (minutes)"), min_value=5, max_value=480, initial=60)
    field_order = ("start", "duration_minutes", "mode", "interviewer", "details", "generate_link")

    def __init__(self, *args: Any, study: Study, slot: Slot | None = None, taken: bool = False, **kwargs: Any) -> None:
        if slot is not None:
            kwargs["initial"] = {
                "start": slot.start,
                "duration_minutes": slot.duration_minutes,
                "mode": slot.mode,
                "interviewer": slot.interviewer_id,
                "details": slot.details,
                "generate_link": slot.generate_link,
            }
        super().__init__(*args, study=study, **kwargs)
        self.slot = slot
        self.fields["start"].help_text = _("Date and time in %(zone)s.") % {
            "zone": timezone.get_current_timezone_name()
        }
        if taken:
            for name, field in self.fields.items():
                field.disabled = name != "interviewer"

    def clean_start(self) -> datetime:
        if self.fields["start"].disabled and self.slot is not None:
            return self.slot.start  # exactly: a shown value has no seconds, and would read as a change
        start: datetime = self.cleaned_data["start"]
        if start <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return start


class RecurringSlotsForm(SlotTermsForm):
    """Weekly availability over a date range, laid out as slots (studies.services.availability)."""

    weekdays = forms.MultipleChoiceField(
        label=_("Days of the week"), choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    day_start = forms.TimeField(
        label=_("From"), initial=time(9), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    day_end = forms.TimeField(
        label=_("Until"), initial=time(17), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    slot_minutes = forms.IntegerField(label=_("Length of each slot (minutes)"), min_value=5, max_value=480, initial=60)
    buffer_minutes = forms.IntegerField(
        label=_("Break between slots (minutes)"), min_value=0, max_value=240, initial=15
    )
    first_day = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(
        label=_("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At most six months after the first day."),
    )
    field_order = (
        "weekdays",
        "day_start",
        "day_end",
        "slot_minutes",
        "buffer_minutes",
        "first_day",
        "last_day",
        "mode",
        "interviewer",
        "details",
        "generate_link",
    )

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_recurring_%s")  # its page also holds the one-slot form: ids stay unique
        super().__init__(*args, study=study, **kwargs)
        self.fields["day_start"].help_text = _("Times in %(zone)s.") % {"zone": timezone.get_current_timezone_name()}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end, minutes = cleaned.get("day_start"), cleaned.get("day_end"), cleaned.get("slot_minutes")
        if start and end and end <= start:
            self.add_error("day_end", _("The day must end after it starts."))
        elif start and end and minutes and _minutes_between(start, end) < minutes:
            self.add_error("slot_minutes", _("A slot this long does not fit between these times."))
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and first < timezone.localdate():
            self.add_error("first_day", _("Choose today or a later day."))
        if first and last and last < first:
            self.add_error("last_day", _("The last day is before the first day."))
        elif first and last and (last - first).days > MAX_RANGE_DAYS:
            self.add_error("last_day", _("Choose a date range of at most six months."))
        return cleaned

    def availability(self) -> Availability:
        data = self.cleaned_data
        return Availability(
            weekdays=frozenset(int(day) for day in data["weekdays"]),
            day_start=data["day_start"],
            day_end=data["day_end"],
            slot_minutes=data["slot_minutes"],
            buffer_minutes=data["buffer_minutes"],
            first_day=data["first_day"],
            last_day=data["last_day"],
            zone=ZoneInfo(timezone.get_current_timezone_name()),
        )


def _minutes_between(start: time, end: time) -> int:
    day = date(2000, 1, 1)
    return int((datetime.combine(day, end) - datetime.combine(day, start)) / timedelta(minutes=1))


class SlotSelectionForm(forms.Form):
    """Free slots chosen on the slots page to delete (the service refuses taken ones)."""

    slots = forms.ModelMultipleChoiceField(
        label=_("Slots"),
        queryset=Slot.objects.none(),
        error_messages={"required": _("Choose at least one slot to delete.")},
    )

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slots"].queryset = study.slots.all()  # type: ignore[attr-defined]


class ResearcherWithdrawalForm(forms.Form):
    scope = forms.ChoiceField(label=_("Scope"), choices=Participant.WithdrawalScope.choices, widget=forms.RadioSelect)
