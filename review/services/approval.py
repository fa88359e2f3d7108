"""Approval: a redacted version is frozen for coding and put in the study's coding queue."""

from __future__ import annotations

from typing import Protocol

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from review.models import Approval, RedactedVersion
from review.services import state
from review.services.errors import ReviewError
from review.services.versions import lock_latest
from transcription.models import Transcript, TranscriptVersion


class ApprovalHook(Protocol):
    def __call__(self, *, version: TranscriptVersion) -> object: ...


_approval_hooks: list[ApprovalHook] = []


def register_approval_hook(hook: ApprovalHook) -> None:
    """Let an app above this one take an approved version further (the coding app puts it in the study's coding
    queue; it registers from its AppConfig.ready). Review may not import that app.

    A hook runs inside the approval's transaction, after the transcript is marked approved and with its latest
    version locked; an exception rolls the approval back. Its return value is ignored.
    """
    if hook not in _approval_hooks:
        _approval_hooks.append(hook)


@transaction.atomic
def approve_version(*, transcript: Transcript, number: object, user: User) -> Approval:
    """Approve the latest version, which must be a redacted one, and enqueue it for coding in this transaction
    (through the coding app's approval hook).

    Versions are immutable, so approving freezes the text codings will point at; later edits make new
    versions and codings stay on theirs. Approving an approved version again changes nothing. The caller has
    checked that `user` may approve.
    """
    version = lock_latest(transcript, number)
    existing = Approval.objects.filter(version=version).first()
    if existing is not None:
        return existing
    if not RedactedVersion.objects.filter(version=version).exists():
        raise ReviewError(
            _("Version %(number)s is not redacted: run the de-identification pass and apply it before approving.")
            % {"number": version.number}
        )
    approval = Approval.objects.create(transcript=transcript, version=version, approved_by=user)
    state.mark_approved(transcript=transcript)
    for hook in _approval_hooks:
        hook(version=version)
    transcript.refresh_from_db(fields=["state"])
    return approval
