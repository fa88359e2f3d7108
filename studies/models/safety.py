"""Crisis resources shown to people who report a crisis, and the log of every such safety event with its
follow-up by the research team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from config.fields import EncryptedTextField
from studies.models.core import Participant, Study


class CrisisResource(TimeStampedModel):
    """A helpline or service. An empty country means everywhere (the international fallback); an empty language
    means any language.

    Rows without a study are the platform's defaults (seeded by a data migration); a study with rows of its own
    shows only those, which its team maintains on the study's safety set-up page.
    """

    study = models.ForeignKey(Study, null=True, blank=True, on_delete=models.CASCADE, related_name="crisis_resources")

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


class SafetyContact(TimeStampedModel):
    """A person the team names to act on safety alerts: every contact with an e-mail address is alerted."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="safety_contacts")
    name = models.CharField(_("name"), max_length=160)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # How and when to reach them (hours, time zone, a deputy): free text for the team.
    notes = models.CharField(_("how to reach them"), max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.CheckConstraint(condition=~Q(email="") | ~Q(phone=""), name="safety_contact_is_reachable"),
        ]

    def __str__(self) -> str:
        return f"safety contact {self.pk} of {self.study_id}"


class SafetyEvent(TimeStampedModel):
    """A risk item answered in a triggering way. Holds which question, never the answer itself.

    The team's follow-up is tracked on the row (studies.services.safety.follow_up_safety_event): who moved it
    last, when, and a short note, encrypted at rest because it may say how the person is doing.
    """

    class FollowUp(models.TextChoices):
        OPEN = "open", _("awaiting follow-up")
        CONTACTED = "contacted", _("contacted")
        RESOLVED = "resolved", _("resolved")

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="safety_events")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="safety_events")
    question_key = models.SlugField(max_length=60)
    notified_at = models.DateTimeField(null=True, blank=True)
    follow_up = models.CharField(
        _("follow-up"), max_length=12, choices=FollowUp.choices, default=FollowUp.OPEN, db_index=True
    )
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    followed_up_at = models.DateTimeField(null=True, blank=True)
    follow_up_note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            # An event that was handled says when; an open one carries nothing of a follow-up.
            models.CheckConstraint(
                condition=(Q(follow_up="open") & Q(followed_up_at__isnull=True) & Q(followed_up_by__isnull=True))
                | (~Q(follow_up="open") & Q(followed_up_at__isnull=False)),
                name="safety_follow_up_is_dated",
            ),
            # Resolving needs a word on how (the ciphertext of a non-empty note is never empty).
            models.CheckConstraint(
                condition=~Q(follow_up="resolved") | ~Q(follow_up_note=""), name="safety_resolution_has_a_note"
            ),
        ]

    def __str__(self) -> str:
        return f"safety event {self.pk} for {self.participant_id}"
