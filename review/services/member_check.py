"""Member checking: the team sends a participant their transcript; the participant reads it in the portal, comments
on its segments and approves it or asks for changes by a deadline (review.models.MemberCheck).

Which version is sent follows the study (`Study.member_check_raw`): redacted by default (the latest redacted
version), or as said (the latest version; when that is a redacted one, the version it was redacted from, as
review.sources reads raw text). The check keeps the version it sent: later edits do not change what the person reads.

Expiry is computed, not scheduled: a check still "sent" after its deadline reads as expired (`status_of`), and each
write on a transcript's checks first stores that (`expire_overdue`, a conditional update), so the one-open-check
constraint, the participant's buttons and the team's page agree with the clock without a beat task.

Every step leaves an audit entry with ids, numbers and codes only: never a comment, a message or transcript text.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import User
from config.time_zones import zone_or_utc
from review.models import MemberCheck, MemberCheckComment, RedactedVersion
from review.services.errors import ReviewError
from review.services.versions import latest_version
from studies.models import OutboxMessage, Participant
from studies.permissions import MANAGERS, require_role
from studies.services.outbox import queue_message
from transcription.models import Transcript, TranscriptVersion

Status = MemberCheck.Status
DEFAULT_DAYS = 14
MAX_DAYS = 180
COMMENT_MAX_LENGTH = 2000
MESSAGE_MAX_LENGTH = 4000


class MemberCheckError(ReviewError):
    """A member-checking step refused as asked; nothing was saved. The message names no person and quotes no text."""


def status_of(check: MemberCheck, now: datetime | None = None) -> str:
    """The check's status as the clock sees it: "sent" past the deadline reads as expired."""
    if check.status == Status.SENT and check.deadline <= (now or timezone.now()):
        return Status.EXPIRED
    return str(check.status)


def version_to_send(transcript: Transcript) -> TranscriptVersion | None:
    """The version the study's policy sends now, or None when there is none yet (no redacted version)."""
    if transcript.recording.interview.study.member_check_raw:
        latest = latest_version(transcript)
        redaction = RedactedVersion.objects.filter(version=latest).select_related("source").first()
        return redaction.source if redaction is not None else latest
    redacted = RedactedVersion.objects.filter(version__transcript=transcript).select_related("version")
    newest = redacted.order_by("-version__number").first()
    return newest.version if newest is not None else None


def deadline_on(*, day: date, participant: Participant) -> datetime:
    """The end of `day` in the participant's own time zone (UTC when they gave none): the date the team picks is
    the date the person reads, wherever they live."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone_or_utc(participant.time_zone))


def expire_overdue(*, transcript_id: int, now: datetime | None = None) -> int:
    """Store "expired" on the transcript's checks whose deadline passed unanswered; returns how many. Each row is
    claimed by a conditional update, so two callers never record the same expiry twice."""
    now = now or timezone.now()
    expired = 0
    overdue = MemberCheck.objects.filter(transcript_id=transcript_id, status=Status.SENT, deadline__lte=now)
    for check in overdue.select_related("transcript__recording__interview"):
        with transaction.atomic():
            if MemberCheck.objects.filter(pk=check.pk, status=Status.SENT).update(
                status=Status.EXPIRED, updated_at=now
            ):
                expired += 1
                record_event(
                    action="member_check.expired",
                    actor_label="system",
                    study_id=check.transcript.recording.interview.study_id,
                    target=check,
                    detail={"transcript": transcript_id},
                )
    return expired


def _check_deadline(deadline: datetime, now: datetime) -> None:
    if deadline <= now:
        raise MemberCheckError(_("Choose a deadline in the future."))
    if deadline > now + timedelta(days=MAX_DAYS):
        raise MemberCheckError(_("Choose a deadline within %(days)d days.") % {"days": MAX_DAYS})


def send_member_check(
    *, transcript: Transcript, deadline: datetime, user: User, request: HttpRequest | None = None
) -> MemberCheck:
    """Send the transcript to its participant to check until `deadline`: one open check per transcript, never to
    a withdrawn person, and never before a redacted version exists unless the study sends raw text. The e-mail is
    queued in the same transaction (ids only; it links to the portal and carries no text). Owners and researchers
    only (checked here too)."""
    interview = transcript.recording.interview
    require_role(user, interview.study.slug, MANAGERS)
    now = timezone.now()
    _check_deadline(deadline, now)
    expire_overdue(transcript_id=transcript.pk, now=now)
    with transaction.atomic():
        # The participant's lock orders this after a withdrawal (which takes it) and after another send.
        participant = Participant.objects.select_for_update().get(pk=interview.participant_id)
        if participant.status == Participant.Status.WITHDRAWN:
            raise MemberCheckError(_("The participant has withdrawn: their transcript cannot be sent to them."))
        if MemberCheck.objects.filter(transcript=transcript, status=Status.SENT).exists():
            raise MemberCheckError(
                _(
                    "This transcript is already waiting for the participant's answer. Cancel that request to send "
                    "another."
                )
            )
        version = version_to_send(transcript)
        if version is None:
            raise MemberCheckError(
                _(
                    "There is no redacted version to send yet: run the de-identification pass and apply it first, "
                    "or let the study send the unredacted transcript (study settings)."
                )
            )
        check = MemberCheck.objects.create(
            transcript=transcript,
            version=version,
            raw=interview.study.member_check_raw,
            sent_by=user,
            deadline=deadline,
        )
        queue_message(kind=OutboxMessage.Kind.MEMBER_CHECK, participant_id=participant.pk, interview_id=interview.pk)
        record_event(
            action="member_check.sent",
            actor=user,
            request=request,
            study_id=interview.study_id,
            target=check,
            detail={"transcript": transcript.pk, "version": version.number, "raw": check.raw},
        )
    return check


def _lock_open(check: MemberCheck) -> MemberCheck:
    """The check locked, with its study loaded; MemberCheckError unless it is open (sent, before its deadline)."""
    locked = MemberCheck.objects.select_for_update(of=("self",)).select_related("transcript__recording__interview")
    row = locked.get(pk=check.pk)
    if status_of(row) != Status.SENT:
        raise MemberCheckError(_("This transcript can no longer be commented on or answered."))
    return row


def save_comment(*, check: MemberCheck, segment: int, text: str) -> MemberCheckComment | None:
    """The participant's comment on one segment of the version sent, replacing their earlier one there; an empty
    text removes it (returns None). Only while the check is open. The caller has checked the portal session."""
    text = text.strip()
    if len(text) > COMMENT_MAX_LENGTH:
        raise MemberCheckError(_("A comment can be at most %(count)d characters.") % {"count": COMMENT_MAX_LENGTH})
    expire_overdue(transcript_id=check.transcript_id)
    with transaction.atomic():
        row = _lock_open(check)
        if not row.version.segments.filter(index=segment).exists():
            raise MemberCheckError(_("This part of the transcript does not exist."))
        existing = MemberCheckComment.objects.filter(member_check=row, segment=segment).order_by("id")
        comment = existing.first()
        if comment is not None and not text:
            existing.delete()
            comment = None
        elif comment is not None:
            existing.exclude(pk=comment.pk).delete()
            comment.text = text
            comment.save(update_fields=["text", "updated_at"])
        elif text:
            comment = MemberCheckComment.objects.create(member_check=row, segment=segment, text=text)
        record_event(
            action="member_check.commented",
            actor_label="participant",
            study_id=row.transcript.recording.interview.study_id,
            target=row,
            detail={"segment": segment, "removed": not text},
        )
    return comment


def answer_member_check(*, check: MemberCheck, approved: bool, message: str = "") -> MemberCheck:
    """The participant approves the transcript or asks for changes, with an optional message; only while the
    check is open. The caller has checked the portal session."""
    message = message.strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise MemberCheckError(_("A message can be at most %(count)d characters.") % {"count": MESSAGE_MAX_LENGTH})
    expire_overdue(transcript_id=check.transcript_id)
    with transaction.atomic():
        row = _lock_open(check)
        row.status = Status.APPROVED if approved else Status.CHANGES
        row.responded_at = timezone.now()
        row.message = message
        row.save(update_fields=["status", "responded_at", "message", "updated_at"])
        record_event(
            action="member_check.answered",
            actor_label="participant",
            study_id=row.transcript.recording.interview.study_id,
            target=row,
            detail={"status": row.status, "comments": row.comments.count(), "message": bool(message)},
        )
    return row


def cancel_member_check(*, check: MemberCheck, user: User, request: HttpRequest | None = None) -> MemberCheck:
    """The team withdraws an open request (its e-mail, if not sent yet, is then skipped). Owners and researchers
    only (checked here too)."""
    study = check.transcript.recording.interview.study
    require_role(user, study.slug, MANAGERS)
    expire_overdue(transcript_id=check.transcript_id)
    with transaction.atomic():
        cancelled = MemberCheck.objects.filter(pk=check.pk, status=Status.SENT).update(
            status=Status.CANCELLED, updated_at=timezone.now()
        )
        if not cancelled:
            raise MemberCheckError(_("This request is no longer waiting for an answer: there is nothing to cancel."))
        record_event(
            action="member_check.cancelled", actor=user, request=request, study_id=study.pk, target=check, detail={}
        )
    check.refresh_from_db()
    return check


def cancel_checks_of_withdrawn(*, participant: Participant, erase: bool) -> None:
    """Withdrawal hook (studies.services.withdrawal.register_withdrawal_hook, from ReviewConfig.ready): a person
    who withdraws is asked nothing more, so their open checks are cancelled (with `erase` the transcription app's
    hook has deleted the transcripts, and their checks with them). Runs in the withdrawal's transaction."""
    open_checks = MemberCheck.objects.filter(
        transcript__recording__interview__participant=participant, status=Status.SENT
    )
    for check in open_checks:
        MemberCheck.objects.filter(pk=check.pk, status=Status.SENT).update(
            status=Status.CANCELLED, updated_at=timezone.now()
        )
        record_event(
            action="member_check.cancelled",
            actor_label="system",
            study_id=participant.study_id,
            target=check,
            detail={"reason": "withdrawn", "erase": erase},
        )
