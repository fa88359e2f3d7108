"""Member checking's services: which version is sent, one open check per transcript, refusals that change nothing,
the deadline, comments and answers only while open, withdrawal, and an e-mail and audit trail without any text.

E-mail goes to Django's locmem backend (the one thing mocked: the SMTP server)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import AuditEntry, User
from review.models import MemberCheck, MemberCheckComment
from review.services import member_check, redaction
from review.services.member_check import MemberCheckError
from review.tests.factories import machine_transcript
from studies.models import ContactDetails, OutboxMessage, Participant, Study
from studies.services.emails import deliver_message
from studies.services.scheduling import local_time
from studies.services.withdrawal import withdraw_participant
from studies.tests.factories import ParticipantFactory
from transcription.models import Transcript

TEXTS = ["Hello, thank you for coming.", "Write to me at maria.lopez@example.org any time.", "It helped me sleep."]
COMMENT = "I said my sister, not my mother."
MESSAGE = "Please leave out the part about my job."
Status = MemberCheck.Status


def transcript_of(study: Study, user: User, *, redact: bool = True, language: str = "en") -> Transcript:
    participant = ParticipantFactory(study=study, language=language, time_zone="America/Mexico_City")
    ContactDetails.objects.create(participant=participant, email="maria@example.org")
    transcript = machine_transcript(study, TEXTS, participant=participant)
    if redact:
        redaction.accept_undecided(version=transcript.versions.get(), user=user)
        redaction.redact_latest(transcript=transcript, base_number=1, user=user)
    return transcript


def sends_raw(study: Study) -> None:
    study.member_check_raw = True
    study.save(update_fields=["member_check_raw", "languages"])


def in_days(days: int) -> datetime:
    return timezone.now() + timedelta(days=days)


def send(transcript: Transcript, user: User, days: int = 14) -> MemberCheck:
    return member_check.send_member_check(transcript=transcript, deadline=in_days(days), user=user)


def counts() -> tuple[int, int, int, int]:
    return (
        MemberCheck.objects.count(),
        MemberCheckComment.objects.count(),
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.MEMBER_CHECK).count(),
        AuditEntry.objects.filter(action__startswith="member_check.").count(),
    )


def audit_details() -> list[tuple[str, dict[str, Any]]]:
    rows = AuditEntry.objects.filter(action__startswith="member_check.").order_by("id")
    return [(row.action, row.detail) for row in rows]


def test_it_sends_the_latest_redacted_version_and_queues_an_email_in_the_same_transaction(
    study: Study, researcher: User, django_capture_on_commit_callbacks: Any
) -> None:
    transcript = transcript_of(study, researcher)
    with django_capture_on_commit_callbacks() as callbacks:
        check = send(transcript, researcher)
    assert (check.version.number, check.raw, check.status, check.sent_by) == (2, False, Status.SENT, researcher)
    assert "[EMAIL-1]" in check.version.segments.get(index=1).text
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.MEMBER_CHECK)
    interview = transcript.recording.interview
    assert (message.participant_id, message.interview_id) == (interview.participant_id, interview.pk)
    assert len(callbacks) == 1, "the message is published once the transaction commits"
    assert audit_details() == [("member_check.sent", {"transcript": transcript.pk, "version": 2, "raw": False})]


def test_a_study_that_sends_raw_text_sends_what_was_said_even_when_the_latest_version_is_redacted(
    study: Study, owner: User
) -> None:
    sends_raw(study)
    transcript = transcript_of(study, owner)
    check = send(transcript, owner)
    assert (check.version.number, check.raw) == (1, True)
    assert "maria.lopez@example.org" in check.version.segments.get(index=1).text


def test_a_study_that_sends_raw_text_may_send_before_any_redaction(study: Study, owner: User) -> None:
    sends_raw(study)
    check = send(transcript_of(study, owner, redact=False), owner)
    assert (check.version.number, check.raw) == (1, True)


def test_it_refuses_without_a_redacted_version_and_changes_nothing(study: Study, researcher: User) -> None:
    transcript = transcript_of(study, researcher, redact=False)
    with pytest.raises(MemberCheckError, match="no redacted version"):
        send(transcript, researcher)
    assert counts() == (0, 0, 0, 0)


def test_it_refuses_a_withdrawn_participant_and_changes_nothing(study: Study, researcher: User) -> None:
    transcript = transcript_of(study, researcher)
    Participant.objects.filter(pk=transcript.recording.interview.participant_id).update(
        status=Participant.Status.WITHDRAWN
    )
    with pytest.raises(MemberCheckError, match="withdrawn"):
        send(transcript, researcher)
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("days", [-1, 0, member_check.MAX_DAYS + 1])
def test_it_refuses_a_deadline_not_in_the_coming_months(study: Study, researcher: User, days: int) -> None:
    transcript = transcript_of(study, researcher)
    with pytest.raises(MemberCheckError, match="deadline"):
        send(transcript, researcher, days=days)
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("persona", ["interviewer", "coder", "viewer"])
def test_only_owners_and_researchers_may_send(
    study: Study, researcher: User, persona: str, request: pytest.FixtureRequest
) -> None:
    transcript = transcript_of(study, researcher)
    with pytest.raises(PermissionDenied):
        send(transcript, request.getfixturevalue(persona))
    assert counts() == (0, 0, 0, 0)


def test_one_check_is_open_per_transcript_until_it_is_cancelled(study: Study, researcher: User, owner: User) -> None:
    transcript = transcript_of(study, researcher)
    first = send(transcript, researcher)
    with pytest.raises(MemberCheckError, match="already waiting"):
        send(transcript, owner)
    assert counts()[0] == 1
    member_check.cancel_member_check(check=first, user=owner)
    second = send(transcript, owner)
    first.refresh_from_db()
    assert (first.status, second.status) == (Status.CANCELLED, Status.SENT)
    with pytest.raises(MemberCheckError, match="nothing to cancel"):
        member_check.cancel_member_check(check=first, user=owner)


def test_a_check_past_its_deadline_reads_as_expired_and_a_new_one_may_be_sent(study: Study, researcher: User) -> None:
    transcript = transcript_of(study, researcher)
    first = send(transcript, researcher)
    MemberCheck.objects.filter(pk=first.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    first.refresh_from_db()
    assert (first.status, member_check.status_of(first)) == (Status.SENT, Status.EXPIRED)
    with pytest.raises(MemberCheckError, match="no longer"):
        member_check.save_comment(check=first, segment=0, text=COMMENT)
    second = send(transcript, researcher)
    first.refresh_from_db()
    assert (first.status, second.status) == (Status.EXPIRED, Status.SENT)
    assert [action for action, _detail in audit_details()].count("member_check.expired") == 1


def test_the_deadline_is_the_end_of_the_chosen_day_where_the_participant_lives(study: Study) -> None:
    participant = ParticipantFactory(study=study, time_zone="Asia/Kolkata")
    deadline = member_check.deadline_on(day=date(2030, 5, 17), participant=participant)
    assert deadline.isoformat() == "2030-05-17T23:59:59+05:30"


def test_a_comment_is_saved_replaced_and_removed_per_segment_and_audited_without_its_text(
    study: Study, researcher: User
) -> None:
    check = send(transcript_of(study, researcher), researcher)
    first = member_check.save_comment(check=check, segment=1, text=COMMENT)
    again = member_check.save_comment(check=check, segment=1, text="  Sister, not mother.  ")
    assert first is not None
    assert again is not None
    assert first.pk == again.pk
    assert list(check.comments.values_list("segment", "text")) == [(1, "Sister, not mother.")]
    assert member_check.save_comment(check=check, segment=1, text="") is None
    assert check.comments.count() == 0
    details = [detail for action, detail in audit_details() if action == "member_check.commented"]
    assert details == [{"segment": 1, "removed": False}] * 2 + [{"segment": 1, "removed": True}]


def test_comments_and_messages_are_encrypted_at_rest(study: Study, researcher: User) -> None:
    check = send(transcript_of(study, researcher), researcher)
    member_check.save_comment(check=check, segment=0, text=COMMENT)
    member_check.answer_member_check(check=check, approved=False, message=MESSAGE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM review_membercheckcomment")
        stored_comment = cursor.fetchone()[0]
        cursor.execute("SELECT message FROM review_membercheck")
        stored_message = cursor.fetchone()[0]
    assert COMMENT not in stored_comment
    assert "sister" not in stored_comment
    assert MESSAGE not in stored_message
    assert "job" not in stored_message


def test_a_comment_on_a_segment_the_version_lacks_is_refused(study: Study, researcher: User) -> None:
    check = send(transcript_of(study, researcher), researcher)
    before = counts()
    with pytest.raises(MemberCheckError, match="does not exist"):
        member_check.save_comment(check=check, segment=len(TEXTS), text=COMMENT)
    with pytest.raises(MemberCheckError, match="at most"):
        member_check.save_comment(check=check, segment=0, text="x" * (member_check.COMMENT_MAX_LENGTH + 1))
    assert counts() == before


def test_an_answer_closes_the_check_once(study: Study, researcher: User) -> None:
    check = send(transcript_of(study, researcher), researcher)
    member_check.save_comment(check=check, segment=0, text=COMMENT)
    answered = member_check.answer_member_check(check=check, approved=True, message=f"  {MESSAGE} ")
    assert (answered.status, answered.message) == (Status.APPROVED, MESSAGE)
    assert answered.responded_at is not None
    before = counts()
    with pytest.raises(MemberCheckError, match="no longer"):
        member_check.answer_member_check(check=check, approved=False)
    with pytest.raises(MemberCheckError, match="no longer"):
        member_check.save_comment(check=check, segment=1, text=COMMENT)
    with pytest.raises(MemberCheckError, match="nothing to cancel"):
        member_check.cancel_member_check(check=check, user=researcher)
    assert counts() == before
    check.refresh_from_db()
    assert check.status == Status.APPROVED
    answer = [detail for action, detail in audit_details() if action == "member_check.answered"]
    assert answer == [{"status": "approved", "comments": 1, "message": True}]


def test_the_audit_trail_holds_no_text_of_the_transcript_comments_or_message(study: Study, researcher: User) -> None:
    check = send(transcript_of(study, researcher), researcher)
    member_check.save_comment(check=check, segment=1, text=COMMENT)
    member_check.answer_member_check(check=check, approved=False, message=MESSAGE)
    stored = str(list(AuditEntry.objects.values_list("detail", "target_id", "actor_label")))
    for text in (*TEXTS, COMMENT, MESSAGE, "maria", "sister"):
        assert text not in stored


def test_the_email_says_until_when_and_links_to_the_portal_in_the_participants_language_without_text(
    study: Study, researcher: User
) -> None:
    study.languages = ["en", "es"]
    sends_raw(study)
    transcript = transcript_of(study, researcher, language="es")
    check = send(transcript, researcher)
    member_check.save_comment(check=check, segment=0, text=COMMENT)
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.MEMBER_CHECK)
    assert deliver_message(message_id=message.id) == OutboxMessage.Status.SENT
    (sent,) = mail.outbox
    assert sent.to == ["maria@example.org"]
    with translation.override("es"):
        subject = gettext("Your interview transcript is ready to read: %(study)s") % {"study": study.title}
    assert sent.subject == subject
    deadline = local_time(check.deadline, "America/Mexico_City")
    assert f"{deadline:%Y-%m-%d} (America/Mexico_City)" in sent.body
    assert "/p/portal/enter/?t=" in sent.body
    for text in (*TEXTS, COMMENT, "maria.lopez"):
        assert text not in f"{sent.subject}\n{sent.body}"


def test_the_email_is_skipped_once_the_check_was_cancelled(study: Study, researcher: User) -> None:
    check = send(transcript_of(study, researcher), researcher)
    member_check.cancel_member_check(check=check, user=researcher)
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.MEMBER_CHECK)
    assert deliver_message(message_id=message.id) == OutboxMessage.Status.SKIPPED
    assert mail.outbox == []


def test_a_participant_who_withdraws_keeping_their_data_has_their_open_check_cancelled(
    study: Study, researcher: User
) -> None:
    transcript = transcript_of(study, researcher)
    check = send(transcript, researcher)
    withdraw_participant(participant=transcript.recording.interview.participant, scope="keep_data")
    check.refresh_from_db()
    assert check.status == Status.CANCELLED
    assert ("member_check.cancelled", {"reason": "withdrawn", "erase": False}) in audit_details()
