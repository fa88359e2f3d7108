"""Partial withdrawal after a distress mark: what a participant said after the moment they stopped is deleted
everywhere (recording, every transcript version, redaction marks and tags, codings, export archives); the rest of the
interview stays.

The studies app cannot reach the apps above it, so each registers a cut hook from its AppConfig.ready (transcription
cuts recordings and transcripts, coding its codings, review its marks and tags, exports deletes the study's
archives). The guarantees are those of a withdrawal with erasure (studies.services.withdrawal): one transaction, the
participant row locked, files deleted only once it has committed, and every hook's write or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Protocol

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.models import Participant, SafetyEvent
from studies.permissions import MANAGERS, require_role
from studies.services.distress import DistressError, may_request_cut, request_cut

Kind = SafetyEvent.Kind


class CutHook(Protocol):
    def __call__(self, *, event: SafetyEvent) -> None: ...


class CutRefused(DistressError):
    """The partial withdrawal cannot be applied now; the message says why and what to do. Nothing changed."""


_cut_hooks: list[CutHook] = []
# Clean-ups of the partial withdrawal under way in this thread, run should it not commit (see `on_rollback`).
_rollbacks: ContextVar[list[Callable[[], None]] | None] = ContextVar("partial_withdrawal_rollbacks", default=None)


def register_cut_hook(hook: CutHook) -> None:
    """Let an app above this one delete what it holds of the part after a mark (from its AppConfig.ready).

    A hook runs inside the partial withdrawal's transaction with the participant row and the event locked, in the
    order the apps were registered (INSTALLED_APPS: transcription, coding, review, exports), after the checks of
    `apply_partial_withdrawal`. It defers deleting files with `transaction.on_commit`, undoes files it stored with
    `on_rollback`, and may raise CutRefused (or anything else) to roll the whole withdrawal back.
    """
    if hook not in _cut_hooks:
        _cut_hooks.append(hook)


def on_rollback(callback: Callable[[], None]) -> None:
    """For a cut hook: run `callback` should the partial withdrawal not commit (a later hook refused, the database
    failed). A hook that stores a new file (the recording up to the mark) deletes it here, so a rolled-back cut
    leaves no copy that a later erasure would not know of."""
    pending = _rollbacks.get()
    if pending is None:
        raise RuntimeError("on_rollback is for cut hooks, while apply_partial_withdrawal runs.")
    pending.append(callback)


def apply_partial_withdrawal(
    *, event: SafetyEvent, user: Any, request: HttpRequest | None = None, participant_asked: bool = False
) -> SafetyEvent:
    """Delete what the participant said after the mark of `event` from every store, keeping the rest.

    For distress marked in a live interview: the interview's recordings end at the mark and every transcript
    version loses the segments from the first one running past it (the sentence under way at the mark goes too).
    For a voice interview the participant stopped: the answers to the question they were at and every later one.
    Owners and researchers only. `participant_asked` records the participant's request first (taken by phone or
    e-mail) in the same transaction. Raises CutRefused when it cannot be applied, changing nothing.

    Run it outside any transaction: files stored by the hooks are deleted when this one rolls back, not an outer one.
    """
    require_role(user, event.study.slug, MANAGERS)
    undo: list[Callable[[], None]] = []
    token = _rollbacks.set(undo)
    try:
        with transaction.atomic():
            locked = _lock(event)
            _check_stopped(locked)
            if participant_asked and locked.cut_requested_at is None:
                locked = request_cut(event=locked, user=user, request=request)
            _check_ready(locked)
            for hook in _cut_hooks:
                hook(event=locked)
            locked.cut_applied_at, locked.cut_applied_by = timezone.now(), user
            locked.save(update_fields=["cut_applied_at", "cut_applied_by", "updated_at"])
            record_event(
                action="safety_event.cut_applied",
                actor=user,
                request=request,
                study_id=locked.study_id,
                target=locked,
                detail={"kind": locked.kind},
            )
    except BaseException:
        for callback in reversed(undo):
            callback()
        raise
    finally:
        _rollbacks.reset(token)
    return locked


def _lock(event: SafetyEvent) -> SafetyEvent:
    """The participant row first (as a withdrawal and a transcription's final write take it), then the event."""
    Participant.objects.select_for_update().filter(pk=event.participant_id).first()
    related = ("study", "participant", "interview", "guide_question")
    return SafetyEvent.objects.select_for_update(of=("self",)).select_related(*related).get(pk=event.pk)


def _check_stopped(event: SafetyEvent) -> None:
    if event.cut_applied_at is not None:
        raise CutRefused(_("This partial withdrawal was applied already."))
    if event.interview_id is None or not may_request_cut(event):
        raise CutRefused(_("Only an interview that stopped after a distress mark can be withdrawn in part."))


def _check_ready(event: SafetyEvent) -> None:
    if event.cut_requested_at is None:
        raise CutRefused(
            _("The participant has not asked for this. If they asked you by phone or e-mail, say so on the form.")
        )
    if event.kind == Kind.INTERVIEW_DISTRESS and event.recording_offset is None:
        raise CutRefused(_("Set where the mark falls in the recording first, then apply the withdrawal."))
    if event.kind == Kind.PARTICIPANT_SUPPORT and event.guide_question_id is None:
        raise CutRefused(_("It is not known which question the participant was at, so there is no point to cut from."))
