"""Approval: a redacted version is frozen for coding and put in the study's coding queue."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from coding.services.queue import enqueue_approved_version
from review.models import Approval, RedactedVersion
from review.services import state
from review.services.errors import ReviewError
from review.services.versions import lock_latest
from transcription.models import Transcript


@transaction.atomic
def approve_version(*, transcript: Transcript, number: object, user: User) -> Approval:
    """Approve the latest version, which must be a redacted one, and enqueue it for coding in this transaction.

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
    enqueue_approved_version(version=version)
    transcript.refresh_from_db(fields=["state"])
    return approval
