"""The outbox: one row per e-mail the platform owes someone, written in the transaction of the action that owes it.

A row holds ids only (never an address or a text): the message is rendered when it is sent, from the rows it
names, in the person's language. studies.services.outbox writes and sweeps the rows; studies.services.emails
renders and sends them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from studies.models.core import Consent, Interview, Participant, StudyMembership
from studies.models.incentives import Incentive
from studies.models.safety import SafetyEvent
from studies.models.screening import Questionnaire
from studies.models.team import TeamInvitation


class OutboxMessage(TimeStampedModel):
    class Kind(models.TextChoices):
        INVITATION = "invitation", _("invitation")
        CONSENT_COPY = "consent_copy", _("consent copy")
        RECONSENT = "reconsent", _("request to sign the updated consent form")
        BOOKING_CONFIRMATION = "booking_confirmation", _("booking confirmation")
        REMINDER = "reminder", _("interview reminder")
        MEMBERSHIP = "membership", _("team role")
        SAFETY_ALERT = "safety_alert", _("safety alert")
        QUESTIONNAIRE_DUE = "questionnaire_due", _("questionnaire due")
        PORTAL_LINK = "portal_link", _("new portal link")
        TEAM_INVITATION = "team_invitation", _("invitation to a study team")
        FOLLOW_UP_DUE = "follow_up_due", _("safety follow-up due")
        NUDGE_CONSENT = "nudge_consent", _("reminder to give consent")
        NUDGE_BOOKING = "nudge_booking", _("reminder to book an interview")
        NO_SHOW = "no_show", _("invitation to book again after a missed interview")
        TEAM_MESSAGE = "team_message", _("message from the team")
        MEMBER_CHECK = "member_check", _("transcript to check")
        INCENTIVE_PAID = "incentive_paid", _("payment sent")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("not sent (nothing to send)")
        FAILED = "failed", _("failed")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # Safety alerts jump the queue: the sweep sends them first and the broker gets them at top priority.
    urgent = models.BooleanField(default=False)
    # What the message is about (ids only). CASCADE: erasing a person or a study erases what we owed them.
    participant = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    interview = models.ForeignKey(Interview, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    consent = models.ForeignKey(Consent, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(StudyMembership, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    safety_event = models.ForeignKey(SafetyEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    questionnaire = models.ForeignKey(Questionnaire, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    team_invitation = models.ForeignKey(
        TeamInvitation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    incentive = models.ForeignKey(Incentive, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reminder_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A code (smtp, connection, no_address, withdrawn, gone, not_applicable), never a message text: those can
    # quote an address.
    last_error = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["status", "claimed_at"], name="outbox_claimed"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status="sent") | Q(sent_at__isnull=True), name="outbox_sent_has_time")
        ]

    def __str__(self) -> str:
        return f"outbox {self.pk} ({self.kind}, {self.status})"
