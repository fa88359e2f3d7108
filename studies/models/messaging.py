"""The team's own wording of the messages the platform sends participants, per study, kind and language."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from studies.models.core import Study


class MessageTemplate(TimeStampedModel):
    """Subject and body of one kind of message in one language. Placeholders: {code} (the participant's code),
    {study} (the title), {link} (their personal page), {contact} (the study's contact e-mail). A kind without a
    template in the person's language uses the platform's wording (studies.services.emails)."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        NUDGE_CONSENT = "nudge_consent", _("Reminder: consent not given yet")
        NUDGE_BOOKING = "nudge_booking", _("Reminder: no interview booked yet")
        NO_SHOW = "no_show", _("Missed interview: invitation to book again")
        TEAM_MESSAGE = "team_message", _("A message from the team")

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="message_templates")
    kind = models.CharField(_("message"), max_length=16, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=12)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=5000)

    class Meta:
        ordering = ("kind", "language")
        constraints = [
            models.UniqueConstraint(fields=("study", "kind", "language"), name="one_template_per_kind_and_language")
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language}) of {self.study_id}"
