"""Interview slots published by the team; a booking is an Interview pointing at its slot."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from studies.models.core import Interview, Study


class Slot(TimeStampedModel):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="slots")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start = models.DateTimeField(_("start"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    mode = models.CharField(_("mode"), max_length=16, choices=Interview.Mode.choices, default=Interview.Mode.VIDEO)
    # A video link, a phone arrangement or a place; shown only to the person who booked the slot.
    details = models.CharField(_("meeting details"), max_length=300, blank=True)
    # Each booking gets its own room at the study's video_call_base_url instead of a fixed link in `details`.
    generate_link = models.BooleanField(_("generate a meeting link per booking"), default=False)

    class Meta:
        ordering = ("start",)
        constraints = [models.CheckConstraint(condition=models.Q(duration_minutes__gt=0), name="slot_has_duration")]

    def __str__(self) -> str:
        return f"slot {self.pk} at {self.start:%Y-%m-%d %H:%M} UTC"
