"""Withdrawal, from any stage, by the participant or the team, with a scope: keep data or delete all.

The Participant row stays as the tombstone: pseudonym, time and scope, nothing that identifies the person.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.models import (
    Consent,
    ContactDetails,
    Interview,
    InterviewNote,
    Participant,
    SafetyEvent,
    ScreeningResponse,
)
from studies.services.incentives import forget_payment_secrets
from studies.services.portal import revoke_links


class WithdrawalHook(Protocol):
    def __call__(self, *, participant: Participant, erase: bool) -> None: ...


class ErasureHook(Protocol):
    def __call__(self, *, participant: Participant) -> None: ...


_withdrawal_hooks: list[WithdrawalHook] = []
_erasure_hooks: list[ErasureHook] = []


def register_withdrawal_hook(hook: WithdrawalHook) -> None:
    """Let an app above this one stop its work for a person who withdraws, whatever the scope (the transcription
    app cancels queued and running jobs and, with `erase`, deletes recordings and transcripts; it registers from
    its AppConfig.ready). Studies may not import those apps.

    Withdrawal hooks run before the studies app erases its own rows and before any erasure hook, in the order
    their apps were registered (INSTALLED_APPS order), inside the withdrawal's transaction with the participant
    row locked; the same rules as for erasure hooks apply.
    """
    if hook not in _withdrawal_hooks:
        _withdrawal_hooks.append(hook)


def register_erasure_hook(hook: ErasureHook) -> None:
    """Let an app above this one erase what it holds about a person who withdraws with "delete everything"
    (the review app forgets unused redaction tags, the exports app deletes its archives; each registers from its
    AppConfig.ready, so they run in INSTALLED_APPS order). Studies may not import those apps.

    A hook runs inside the withdrawal's transaction with the participant row locked, after the studies app has
    erased its own rows; it defers anything outside the database (files) with `transaction.on_commit`, and an
    exception rolls the whole withdrawal back.
    """
    if hook not in _erasure_hooks:
        _erasure_hooks.append(hook)


def _erase_personal_data(participant: Participant) -> None:
    ContactDetails.objects.filter(participant=participant).delete()
    ScreeningResponse.objects.filter(participant=participant).update(
        answers={}, attributes={}, client_hash="", eligibility_reasons=[], risk_reasons=[]
    )
    Consent.objects.filter(participant=participant).update(signature_name="", ip_address="")
    SafetyEvent.objects.filter(participant=participant).delete()
    InterviewNote.objects.filter(interview__participant=participant).delete()  # what the interviewer noted of them
    # The ledger stays (pseudonym, amounts, dates: the finance office's record); its reference and code go.
    forget_payment_secrets(participant=participant)


def _send_confirmation(*, email: str, language: str, study_title: str, scope: str) -> None:
    """Sent straight after commit, not through the broker: after a full deletion the address must not
    survive anywhere, a task queue included."""
    with translation.override(language):
        body = (
            _('You have withdrawn from the study "%(study)s". Everything we held about you has been deleted.')
            + " "
            + _("This includes every study export (archive or project file) the research team had built.")
            if scope == Participant.WithdrawalScope.DELETE_ALL
            else _('You have withdrawn from the study "%(study)s". We will not contact you again.')
        ) % {"study": study_title}
        send_mail(_("Your withdrawal is confirmed"), body, None, [email])


def withdraw_participant(*, participant: Participant, scope: str, request: Any = None) -> Participant:
    """Stop everything for this person; with DELETE_ALL also erase their personal data and recordings.

    Works at any stage, including while a transcription is queued or running (the transcription app
    cancels its work through its withdrawal hook). The caller has checked who may withdraw this participant.
    """
    erase = scope == Participant.WithdrawalScope.DELETE_ALL
    with transaction.atomic():
        participant = Participant.objects.select_for_update().select_related("study").get(pk=participant.pk)
        contact = ContactDetails.objects.filter(participant=participant).first()
        email = contact.email if contact is not None else ""
        participant.interviews.filter(status=Interview.Status.SCHEDULED).update(status=Interview.Status.CANCELLED)
        for withdrawal_hook in _withdrawal_hooks:
            withdrawal_hook(participant=participant, erase=erase)
        if erase:
            _erase_personal_data(participant)
            for hook in _erasure_hooks:
                hook(participant=participant)
        participant.status = Participant.Status.WITHDRAWN
        participant.withdrawn_at = timezone.now()
        participant.withdrawal_scope = scope
        participant.save(update_fields=["status", "withdrawn_at", "withdrawal_scope", "updated_at"])
        revoke_links(participant=participant)
        record_event(
            action="participant.withdrawn",
            request=request,
            actor_label="" if request is not None and request.user.is_authenticated else "participant",
            study_id=participant.study_id,
            target=participant,
            detail={"scope": scope},
        )
        if email:
            language, title = participant.language, participant.study.title
            transaction.on_commit(
                lambda: _send_confirmation(email=email, language=language, study_title=title, scope=scope)
            )
    return participant
