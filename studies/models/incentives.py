"""What a study pays its participants (its compensation plan) and the ledger of what each person is owed and was
paid."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from config.fields import EncryptedTextField
from studies.models.core import Participant, Study


class PaymentMethod(models.TextChoices):
    GIFT_CARD = "gift_card", _("Gift card or voucher")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    MOBILE_MONEY = "mobile_money", _("Mobile money")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class CompensationPlan(TimeStampedModel):
    """A study's plan: how much, in which currency, how, and when it is earned. One per study."""

    class Trigger(models.TextChoices):
        CONSENTED = "consented", _("When they give consent")
        INTERVIEW_DONE = "interview_done", _("When their interview is done")

    study = models.OneToOneField(Study, on_delete=models.CASCADE, related_name="compensation_plan")
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3)
    method = models.CharField(_("how it is paid"), max_length=16, choices=PaymentMethod.choices)
    earned_when = models.CharField(_("earned"), max_length=16, choices=Trigger.choices, default=Trigger.INTERVIEW_DONE)
    # {"en": "…", "es": "…"}: what participants read about it on their page.
    descriptions = models.JSONField(_("what participants read, per language"), default=dict, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="compensation_is_positive")]

    def __str__(self) -> str:
        return f"compensation plan of {self.study_id}"


class Incentive(TimeStampedModel):
    """One line of a participant's ledger: earned (owed), paid, or cancelled. Amount, currency and method are
    copied from the plan when earned, so a later change of plan leaves what was promised as it was."""

    class Status(models.TextChoices):
        OWED = "owed", _("Owed")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="incentives")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="incentives")
    # Why it is owed: a CompensationPlan.Trigger value, or "manual" for a line the team added.
    reason = models.CharField(max_length=16)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("how it is paid"), max_length=16, choices=PaymentMethod.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OWED, db_index=True)
    earned_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The finance office's reference (a transfer id); the gift-card code itself is a secret: encrypted.
    reference = models.CharField(_("payment reference"), max_length=120, blank=True)
    gift_code = EncryptedTextField(_("gift-card code"), blank=True)

    class Meta:
        ordering = ("-earned_at", "-id")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="incentive_is_positive"),
            # Earned once per reason: a second trigger (a re-run, a double click) never doubles a payment.
            models.UniqueConstraint(
                fields=("participant", "reason"), condition=~Q(reason="manual"), name="one_incentive_per_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False), name="paid_incentive_has_a_date"
            ),
        ]

    def __str__(self) -> str:
        return f"incentive {self.pk} of {self.participant_id}"
