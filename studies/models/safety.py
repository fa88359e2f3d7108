"""Crisis resources shown to people who report a crisis, and the log of every such safety event."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from studies.models.core import Participant, Study


class CrisisResource(TimeStampedModel):
    """A helpline or service. An empty country means everywhere; an empty language means any language.

    Defaults are seeded by a data migration; researchers maintain the list in the admin.
    """

    country = models.CharField(_("country (ISO 3166 alpha-2)"), max_length=2, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    name = models.CharField(_("name"), max_length=160)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    url = models.URLField(_("web address"), blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "name")

    def __str__(self) -> str:
        return f"{self.name} ({self.country or 'all'})"


class SafetyEvent(TimeStampedModel):
    """A risk item answered in a triggering way. Holds which question, never the answer itself."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="safety_events")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="safety_events")
    question_key = models.SlugField(max_length=60)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"safety event {self.pk} for {self.participant_id}"
