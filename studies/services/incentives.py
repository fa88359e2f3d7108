"""Incentives: a study's compensation plan and each participant's ledger (earned, paid, cancelled).

A line is earned once per reason (the unique constraint one_incentive_per_reason), so a trigger that runs twice (a
re-run, a double click, a second consent signature) never doubles a payment; the team adds any other line by hand.
Amount, currency and method are copied from the plan when a line is earned: changing the plan later leaves what was
promised as it was. Every write is audited with ids and codes only; a gift-card code is a secret (encrypted at
rest, never in an e-mail, an audit entry or the finance export).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.iso_names import language_name
from studies.models import CompensationPlan, Incentive, OutboxMessage, Participant, PaymentMethod, Role, Study
from studies.permissions import MANAGERS, require_role
from studies.services.outbox import queue_message

MANUAL = "manual"
MAX_AMOUNT = Decimal("99999999.99")  # the column's ten digits, two of them decimals
DESCRIPTION_MAX_LENGTH = 1000
REFERENCE_MAX_LENGTH = 120
GIFT_CODE_MAX_LENGTH = 200
Status = Incentive.Status


class IncentiveError(Exception):
    """A change the ledger or the plan refuses; nothing was written. `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- Checks -------------------------------------------------------------------------------------------------------


def checked_amount(value: Any, field: str = "amount") -> Decimal:
    """A positive amount with at most two decimals that fits the column."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise IncentiveError(_("Enter the amount as a number, such as 25 or 25.50."), field) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise IncentiveError(_("The amount must be more than zero."), field)
    if amount != amount.quantize(Decimal("0.01")):
        raise IncentiveError(_("The amount can have at most two decimals."), field)
    return amount.quantize(Decimal("0.01"))


def checked_currency(value: str, field: str = "currency") -> str:
    """An ISO 4217 code pycountry knows (USD, EUR, INR …), in capitals."""
    code = value.strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise IncentiveError(_("Enter a currency as its three-letter ISO 4217 code, such as USD or EUR."), field)
    return code


def _checked_method(value: str, field: str = "method") -> str:
    if value not in PaymentMethod.values:
        raise IncentiveError(_("Choose how it is paid."), field)
    return value


def _checked_descriptions(descriptions: dict[str, str], languages: list[str]) -> dict[str, str]:
    """What participants read about the plan, in every language of the study."""
    texts = {code: str(descriptions.get(code) or "").strip() for code in languages}
    for code, text in texts.items():
        if not text:
            message = _("Write what participants read in %(language)s.") % {"language": language_name(code)}
            raise IncentiveError(message, f"description-{code}")
        if len(text) > DESCRIPTION_MAX_LENGTH:
            message = _("At most %(count)d characters.") % {"count": DESCRIPTION_MAX_LENGTH}
            raise IncentiveError(message, f"description-{code}")
    return texts


# --- The plan -----------------------------------------------------------------------------------------------------


def save_plan(
    *,
    study: Study,
    user: Any,
    amount: Any,
    currency: str,
    method: str,
    earned_when: str,
    descriptions: dict[str, str],
    request: HttpRequest | None = None,
) -> CompensationPlan:
    """Create or change the study's compensation plan (owners only). Checked under the study's lock before anything is
    written; lines already earned keep their amount, currency and method."""
    require_role(user, study.slug, {Role.OWNER})
    with transaction.atomic():
        locked = Study.objects.select_for_update().get(pk=study.pk)
        # As study_setup.check_setup_editable (not imported: it reaches scheduling, which imports this module).
        if locked.status == Study.Status.ARCHIVED:
            raise IncentiveError(_("This study is archived: its compensation plan can no longer be changed."))
        if earned_when not in CompensationPlan.Trigger.values:
            raise IncentiveError(_("Choose when it is earned."), "earned_when")
        values = {
            "amount": checked_amount(amount),
            "currency": checked_currency(currency),
            "method": _checked_method(method),
            "earned_when": earned_when,
            "descriptions": _checked_descriptions(descriptions, list(locked.languages or ["en"])),
        }
        plan, created = CompensationPlan.objects.update_or_create(study=locked, defaults=values)
        record_event(
            action="incentive_plan.created" if created else "incentive_plan.changed",
            request=request,
            actor=user,
            study_id=locked.id,
            target=plan,
            detail={"currency": plan.currency, "method": plan.method, "earned_when": plan.earned_when},
        )
    return plan


# --- Earning ------------------------------------------------------------------------------------------------------


def earn_incentive(*, participant: Participant, reason: str) -> Incentive | None:
    """Put what the plan promises on the participant's ledger when `reason` (a CompensationPlan.Trigger) is the plan's
    trigger; None when the study has no plan, the plan is earned otherwise, or this reason was earned already.

    Runs in the caller's transaction (recording consent, recording an interview as done). The insert sits in a
    savepoint, so a concurrent trigger that wins the unique constraint leaves the caller's transaction usable.
    """
    plan = CompensationPlan.objects.filter(study_id=participant.study_id).first()
    if plan is None or plan.earned_when != reason:
        return None
    if Incentive.objects.filter(participant=participant, reason=reason).exists():
        return None
    try:
        with transaction.atomic():
            incentive = Incentive.objects.create(
                study_id=participant.study_id,
                participant=participant,
                reason=reason,
                amount=plan.amount,
                currency=plan.currency,
                method=plan.method,
                earned_at=timezone.now(),
            )
    except IntegrityError:
        return None  # earned at the same moment by another transaction
    _audit("incentive.earned", incentive, actor_label="system", detail={"reason": reason})
    return incentive


def add_manual_incentive(
    *,
    study: Study,
    participant: Participant,
    amount: Any,
    currency: str,
    method: str,
    user: Any,
    request: HttpRequest | None = None,
) -> Incentive:
    """A line the team adds by hand (a travel refund, a second session): owners and researchers."""
    require_role(user, study.slug, MANAGERS)
    if participant.study_id != study.id:
        raise IncentiveError(_("No participant of this study has that code."), "participant")
    with transaction.atomic():
        incentive = Incentive.objects.create(
            study=study,
            participant=participant,
            reason=MANUAL,
            amount=checked_amount(amount),
            currency=checked_currency(currency),
            method=_checked_method(method),
            earned_at=timezone.now(),
        )
        _audit("incentive.added", incentive, request=request, actor=user, detail={"reason": MANUAL})
    return incentive


# --- Paying and cancelling ----------------------------------------------------------------------------------------


def _locked_owed(incentive: Incentive, user: Any) -> Incentive:
    """The line, locked, after the role check; IncentiveError unless it is still owed."""
    require_role(user, incentive.study.slug, MANAGERS)
    locked = Incentive.objects.select_for_update().select_related("participant").get(pk=incentive.pk)
    if locked.status != Status.OWED:
        raise IncentiveError(_("This line is no longer owed: it was paid or cancelled meanwhile."))
    return locked


def _paid_at(paid_on: date | None, earned_at: datetime) -> datetime:
    """The moment to record: now for today (or no date), else noon of the day given, never in the future."""
    today = timezone.localdate()
    if paid_on is None or paid_on == today:
        return timezone.now()
    if paid_on > today:
        raise IncentiveError(_("The payment date cannot be in the future."), "paid_on")
    if paid_on < timezone.localdate(earned_at):
        raise IncentiveError(_("The payment date cannot be before the day it was earned."), "paid_on")
    return timezone.make_aware(datetime.combine(paid_on, time(12)))


def mark_paid(
    *,
    incentive: Incentive,
    user: Any,
    reference: str = "",
    gift_code: str = "",
    paid_on: date | None = None,
    request: HttpRequest | None = None,
) -> Incentive:
    """Record a payment (owners and researchers) and tell the participant, once committed, that it was sent.

    The e-mail says only that a payment was sent and to open their page, where the gift-card code is shown. A
    person erased on withdrawal keeps a finance record without a reference or a code, so none is stored again.
    """
    reference, gift_code = reference.strip(), gift_code.strip()
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise IncentiveError(_("At most %(count)d characters.") % {"count": REFERENCE_MAX_LENGTH}, "reference")
    if len(gift_code) > GIFT_CODE_MAX_LENGTH:
        raise IncentiveError(_("At most %(count)d characters.") % {"count": GIFT_CODE_MAX_LENGTH}, "gift_code")
    with transaction.atomic():
        locked = _locked_owed(incentive, user)
        if _erased(locked.participant) and (reference or gift_code):
            message = _("This person withdrew and asked for their data to be deleted: record it without a reference.")
            raise IncentiveError(message, "reference" if reference else "gift_code")
        locked.paid_at = _paid_at(paid_on, locked.earned_at)
        locked.status, locked.paid_by = Status.PAID, user
        locked.reference, locked.gift_code = reference, gift_code
        locked.save(update_fields=["status", "paid_at", "paid_by", "reference", "gift_code", "updated_at"])
        detail = {"reference": bool(reference), "gift_code": bool(gift_code)}
        _audit("incentive.paid", locked, request=request, actor=user, detail=detail)
        queue_message(
            kind=OutboxMessage.Kind.INCENTIVE_PAID, participant_id=locked.participant_id, incentive_id=locked.id
        )
    return locked


def cancel_incentive(*, incentive: Incentive, user: Any, request: HttpRequest | None = None) -> Incentive:
    """Cancel an owed line (owners and researchers): added by mistake, or not due after all. A paid line stays."""
    with transaction.atomic():
        locked = _locked_owed(incentive, user)
        locked.status = Status.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        _audit("incentive.cancelled", locked, request=request, actor=user)
    return locked


def _erased(participant: Participant) -> bool:
    return (
        participant.status == Participant.Status.WITHDRAWN
        and participant.withdrawal_scope == Participant.WithdrawalScope.DELETE_ALL
    )


def forget_payment_secrets(*, participant: Participant) -> int:
    """Blank the references and gift-card codes of a person erased on withdrawal; the lines (pseudonym, amounts,
    dates) stay as the finance office's record. Runs in the withdrawal's transaction."""
    return Incentive.objects.filter(participant=participant).update(reference="", gift_code="")


def _audit(
    action: str,
    incentive: Incentive,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    actor_label: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit entry for a line: ids and codes only (never a reference, a code or a name)."""
    record_event(
        action=action,
        request=request,
        actor=actor,
        actor_label=actor_label,
        study_id=incentive.study_id,
        target=incentive,
        detail={"participant": incentive.participant_id, "currency": incentive.currency, **(detail or {})},
    )
