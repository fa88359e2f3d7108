"""Member checking's pages: the team's form and status on the transcript page, the participant's page in the portal
(their own transcripts only, refused forms shown again with nothing changed), the portal home's link, the editor's
comments panel, and the study setting."""

from __future__ import annotations

import json
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from review.models import MemberCheck
from review.services import member_check, versions
from review.tests.test_member_check import COMMENT, MESSAGE, TEXTS, counts, send, transcript_of
from studies.models import Participant, Study
from studies.services.portal import make_link_token
from studies.services.scheduling import local_time
from studies.tests.factories import ParticipantFactory
from transcription.models import Transcript

Status = MemberCheck.Status


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def portal_client(participant: Participant) -> Client:
    participant.refresh_from_db(fields=["link_version"])
    client = Client()
    response = client.post(reverse("participate:portal_enter"), {"t": make_link_token(participant=participant)})
    assert response.status_code == 302
    return client


def page_url(transcript: Transcript, name: str = "read") -> str:
    return reverse(f"review:{name}", args=[transcript.recording.interview.study.slug, transcript.pk])


def check_url(transcript: Transcript, name: str = "transcript") -> str:
    return reverse(f"checking:{name}", args=[transcript.pk])


def test_the_transcript_page_offers_the_redacted_version_with_a_deadline_and_a_link_to_the_setting(
    study: Study, researcher: User
) -> None:
    transcript = transcript_of(study, researcher)
    page = signed_in(researcher).get(page_url(transcript)).content.decode()
    assert "The redacted version 2 will be sent" in page
    assert reverse("studies:settings", args=[study.slug]) + "#id_member_check_raw" in page
    default = (timezone.localdate() + timedelta(days=14)).isoformat()
    assert f'value="{default}"' in page


def test_the_transcript_page_says_why_nothing_can_be_sent_before_redaction(study: Study, researcher: User) -> None:
    transcript = transcript_of(study, researcher, redact=False)
    page = signed_in(researcher).get(page_url(transcript)).content.decode()
    assert 'id="member-check-unavailable"' in page
    assert 'id="member-check-send"' not in page


def test_a_researcher_sends_from_the_page_and_sees_the_status(study: Study, researcher: User) -> None:
    transcript = transcript_of(study, researcher)
    client = signed_in(researcher)
    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = client.post(page_url(transcript, "member-check-send"), {"deadline": day})
    assert response.status_code == 302
    check = MemberCheck.objects.get()
    assert local_time(check.deadline, "America/Mexico_City").isoformat() == f"{day}T23:59:59-06:00"
    page = client.get(page_url(transcript)).content.decode()
    assert 'data-status="sent"' in page
    assert 'id="member-check-cancel"' in page
    client.post(page_url(transcript, "member-check-cancel"))
    check.refresh_from_db()
    assert check.status == Status.CANCELLED


def test_a_refused_request_shows_the_form_again_with_the_reason_and_changes_nothing(
    study: Study, researcher: User
) -> None:
    transcript = transcript_of(study, researcher, redact=False)
    client = signed_in(researcher)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(page_url(transcript, "member-check-send"), {"deadline": past})
    assert response.status_code == 400
    assert "data-error-summary" in response.content.decode()
    response = client.post(page_url(transcript, "member-check-send"), {"deadline": "soon"})
    assert response.status_code == 400
    assert counts() == (0, 0, 0, 0)


def test_interviewers_neither_see_the_form_nor_may_send(study: Study, researcher: User, interviewer: User) -> None:
    transcript = transcript_of(study, researcher)
    client = signed_in(interviewer)
    assert 'id="member-check"' not in client.get(page_url(transcript)).content.decode()
    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    assert client.post(page_url(transcript, "member-check-send"), {"deadline": day}).status_code == 403
    assert counts() == (0, 0, 0, 0)


def test_the_participant_reads_comments_and_approves_from_the_portal(study: Study, researcher: User) -> None:
    transcript = transcript_of(study, researcher)
    check = send(transcript, researcher)
    client = portal_client(transcript.recording.interview.participant)
    home = client.get(reverse("participate:portal")).content.decode()
    assert check_url(transcript) in home
    page = client.get(check_url(transcript)).content.decode()
    assert "[EMAIL-1]" in page
    assert "maria.lopez@example.org" not in page
    assert page.count("<details") == len(TEXTS)
    response = client.post(check_url(transcript, "comment"), {"segment": 1, "text": COMMENT})
    assert response.status_code == 302
    assert response["Location"].endswith("#segment-2")
    response = client.post(check_url(transcript, "answer"), {"decision": "approve", "message": MESSAGE})
    assert response.status_code == 302
    check.refresh_from_db()
    assert (check.status, check.message, check.comments.get().text) == (Status.APPROVED, MESSAGE, COMMENT)
    page = client.get(check_url(transcript)).content.decode()
    assert 'id="check-state"' in page
    assert "<details" not in page
    home = client.get(reverse("participate:portal")).content.decode()
    assert f'id="member-check-answered-{transcript.pk}"' in home


def test_a_refused_comment_or_answer_is_shown_again_and_changes_nothing(study: Study, researcher: User) -> None:
    transcript = transcript_of(study, researcher)
    send(transcript, researcher)
    client = portal_client(transcript.recording.interview.participant)
    before = counts()
    too_long = "x" * (member_check.COMMENT_MAX_LENGTH + 1)
    response = client.post(check_url(transcript, "comment"), {"segment": 0, "text": too_long})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#segment-1-text"' in page
    assert too_long in page
    response = client.post(check_url(transcript, "comment"), {"segment": 9, "text": COMMENT})
    assert response.status_code == 400
    response = client.post(check_url(transcript, "answer"), {"decision": "maybe"})
    assert response.status_code == 400
    assert 'href="#answer-decision"' in response.content.decode()
    assert counts() == before


def test_after_the_deadline_the_participant_reads_that_the_time_ended(study: Study, researcher: User) -> None:
    transcript = transcript_of(study, researcher)
    check = send(transcript, researcher)
    MemberCheck.objects.filter(pk=check.pk).update(deadline=timezone.now() - timedelta(hours=1))
    client = portal_client(transcript.recording.interview.participant)
    page = client.get(check_url(transcript)).content.decode()
    assert 'id="check-state"' in page
    assert "<details" not in page
    response = client.post(check_url(transcript, "answer"), {"decision": "approve"})
    assert response.status_code == 400
    check.refresh_from_db()
    assert check.status == Status.EXPIRED


def test_a_participant_reaches_only_their_own_transcripts(study: Study, researcher: User) -> None:
    transcript = transcript_of(study, researcher)
    send(transcript, researcher)
    stranger = portal_client(ParticipantFactory(study=study))
    assert stranger.get(check_url(transcript)).status_code == 404
    assert stranger.post(check_url(transcript, "answer"), {"decision": "approve"}).status_code == 404
    assert Client().get(check_url(transcript)).status_code == 403
    assert MemberCheck.objects.get().status == Status.SENT


def test_the_editor_shows_the_comments_beside_their_segments(study: Study, researcher: User) -> None:
    transcript = transcript_of(study, researcher)
    check = send(transcript, researcher)
    member_check.save_comment(check=check, segment=2, text=COMMENT)
    member_check.answer_member_check(check=check, approved=False, message=MESSAGE)
    page = signed_in(researcher).get(page_url(transcript, "editor")).content.decode()
    assert 'id="participant-comments"' in page
    assert 'id="participant-comment-3"' in page
    assert "I said my sister, not my mother." in page
    assert 'data-status="changes"' in page
    data = json.loads(page.split('id="editor-data" type="application/json">')[1].split("</script>")[0])
    assert [("participant_comment" in seg["f"]) for seg in data["segments"]] == [False, False, True]


def test_the_editor_places_a_comment_by_time_when_it_shows_a_later_version(study: Study, researcher: User) -> None:
    transcript = transcript_of(study, researcher)
    check = send(transcript, researcher)
    member_check.save_comment(check=check, segment=2, text=COMMENT)
    ops = [{"op": "merge", "index": 0}]
    versions.save_edits(transcript=transcript, base_number=2, ops=ops, author=researcher)
    page = signed_in(researcher).get(page_url(transcript, "editor")).content.decode()
    data = json.loads(page.split('id="editor-data" type="application/json">')[1].split("</script>")[0])
    assert [("participant_comment" in seg["f"]) for seg in data["segments"]] == [False, True]
    assert "(segment 2 in this version)" in page


def test_owners_choose_on_the_settings_page_whether_raw_text_is_sent(study: Study, owner: User) -> None:
    client = signed_in(owner)
    form = client.get(reverse("studies:settings", args=[study.slug])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(languages="en", member_check_raw="on")
    response = client.post(reverse("studies:settings", args=[study.slug]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    study.refresh_from_db()
    assert study.member_check_raw is True
