"""Time-stamped notes during a live interview: who may take and read them, their time since the start, the plain
form and the script's JSON, taking one back, encryption at rest, the audit (ids only), the editor's list, erasure
and subject access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, User
from review.tests.factories import machine_transcript
from studies.models import Interview, InterviewNote, Study
from studies.services.interview_notes import NoteError, add_note
from studies.services.subject_access import export_participant_data
from studies.services.withdrawal import withdraw_participant
from studies.tests.factories import InterviewFactory, ParticipantFactory
from transcription.tests.factories import MediaFileFactory, RecordingFactory

NOTE = "Hesitated when the clinic in Leeds came up; come back to the night shifts."
JSON = {"Accept": "application/json"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def interview(study: Study) -> Interview:
    participant = ParticipantFactory(study=study)
    return InterviewFactory(
        participant=participant,
        status=Interview.Status.SCHEDULED,
        scheduled_start=timezone.now() - timedelta(minutes=2),
    )


def started(interview: Interview, seconds_ago: float) -> Interview:
    Interview.objects.filter(pk=interview.pk).update(started_at=timezone.now() - timedelta(seconds=seconds_ago))
    interview.refresh_from_db()
    return interview


def add_url(interview: Interview) -> str:
    return reverse("studies:interview_notes", args=[interview.study.slug, interview.id])


def delete_url(interview: Interview) -> str:
    return reverse("studies:interview_note_delete", args=[interview.study.slug, interview.id])


def page_of(interview: Interview) -> str:
    return reverse("transcription:interview", args=[interview.study.slug, interview.id])


@pytest.mark.django_db
def test_coders_and_viewers_may_neither_take_nor_read_notes(
    interview: Interview, interviewer: User, coder: User, viewer: User, outsider: User
) -> None:
    add_note(interview=interview, text=NOTE, user=interviewer)
    note = InterviewNote.objects.get()
    for user, status in ((coder, 403), (viewer, 403), (outsider, 404)):
        client = client_for(user)
        assert client.post(add_url(interview), {"text": "mine"}).status_code == status
        assert client.post(delete_url(interview), {"note": note.pk}).status_code == status
        if status == 403:
            page = client.get(page_of(interview)).content.decode()
            assert NOTE not in page
            assert 'id="notes"' not in page
    assert list(InterviewNote.objects.values_list("pk", flat=True)) == [note.pk]
    with pytest.raises(PermissionDenied):
        add_note(interview=interview, text="a coder's note", user=coder)
    assert InterviewNote.objects.count() == 1


@pytest.mark.django_db
def test_owners_researchers_and_interviewers_take_notes_with_the_time_since_the_start(
    interview: Interview, owner: User, researcher: User, interviewer: User
) -> None:
    started(interview, 75)
    for user in (owner, researcher, interviewer):
        response = client_for(user).post(add_url(interview), {"text": f"{NOTE} ({user.pk})"})
        assert response.status_code == 302
        assert response["Location"].endswith(page_of(interview) + "#notes")
    notes = list(InterviewNote.objects.order_by("id"))
    assert [note.author for note in notes] == [owner, researcher, interviewer]
    assert all(75 <= (note.offset or 0) < 90 for note in notes)
    page = client_for(interviewer).get(page_of(interview)).content.decode()
    assert page.count('class="interview-note"') == 3
    assert ">1:1" in page  # 1:15 and a few seconds: m:ss
    assert NOTE in page


@pytest.mark.django_db
def test_a_note_before_the_start_has_no_time_and_says_so(interview: Interview, interviewer: User) -> None:
    response = client_for(interviewer).post(add_url(interview), {"text": NOTE}, headers=JSON)
    assert response.status_code == 201
    answer = response.json()
    assert answer["offset"] is None
    assert answer["clock"] == "not started"
    assert "not started" in answer["html"]
    assert NOTE in answer["html"]
    assert InterviewNote.objects.get().offset is None


@pytest.mark.django_db
def test_the_script_gets_the_saved_note_as_json_with_its_clock(interview: Interview, interviewer: User) -> None:
    started(interview, 125)
    response = client_for(interviewer).post(add_url(interview), {"text": "<b>bold</b> claim"}, headers=JSON)
    assert response.status_code == 201
    answer = response.json()
    assert answer["clock"].startswith("2:0")
    assert 125 <= answer["offset"] < 140
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in answer["html"]  # escaped by the template, inserted as markup
    assert f'data-seek="{answer["offset"]}"' in answer["html"]
    assert 'name="note"' in answer["html"]  # its author may take it back


@pytest.mark.django_db
def test_a_refused_note_shows_the_form_with_its_reason_and_changes_nothing(
    interview: Interview, interviewer: User
) -> None:
    client = client_for(interviewer)
    response = client.post(add_url(interview), {"text": "   "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "data-error-summary" in page
    assert "Write the note first." in page
    too_long = client.post(add_url(interview), {"text": "x" * 2001}, headers=JSON)
    assert too_long.status_code == 400
    assert "2000" in too_long.json()["error"]
    Interview.objects.filter(pk=interview.pk).update(status=Interview.Status.CANCELLED)
    cancelled = client.post(add_url(interview), {"text": NOTE}, headers=JSON)
    assert cancelled.status_code == 400
    assert "cancelled" in cancelled.json()["error"]
    assert NOTE not in cancelled.content.decode()
    assert not InterviewNote.objects.exists()
    assert not AuditEntry.objects.filter(action="interview.note_added").exists()


@pytest.mark.django_db
def test_a_voice_interview_takes_no_notes(study: Study, interviewer: User) -> None:
    voice = InterviewFactory(participant=ParticipantFactory(study=study), mode=Interview.Mode.ASYNC_VOICE)
    assert client_for(interviewer).post(add_url(voice), {"text": NOTE}).status_code == 404
    with pytest.raises(NoteError):
        add_note(interview=voice, text=NOTE, user=interviewer)


@pytest.mark.django_db
def test_the_note_is_encrypted_at_rest_and_audited_by_ids_only(interview: Interview, interviewer: User) -> None:
    client_for(interviewer).post(add_url(interview), {"text": NOTE})
    note = InterviewNote.objects.get()
    assert note.text == NOTE
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM studies_interviewnote WHERE id = %s", [note.pk])
        (stored,) = cursor.fetchone()
    assert "Leeds" not in stored
    assert "night shifts" not in stored
    assert NOTE not in stored
    entry = AuditEntry.objects.get(action="interview.note_added")
    assert (entry.target_id, entry.detail) == (str(note.pk), {"interview": interview.pk})
    assert entry.study_id == interview.study_id
    assert "Leeds" not in str(AuditEntry.objects.values_list("detail", "target_type", "actor_label"))


@pytest.mark.django_db
def test_its_author_takes_a_note_back_in_its_first_minutes_only(
    interview: Interview, interviewer: User, researcher: User
) -> None:
    mine = add_note(interview=interview, text="typo", user=interviewer)
    theirs = add_note(interview=interview, text="the researcher's", user=researcher)
    old = add_note(interview=interview, text="an old one", user=interviewer)
    InterviewNote.objects.filter(pk=old.pk).update(written_at=timezone.now() - timedelta(minutes=11))
    client = client_for(interviewer)
    page = client.get(page_of(interview)).content.decode()
    assert page.count('name="note"') == 1  # only the fresh note of their own offers a delete button
    assert client.post(delete_url(interview), {"note": mine.pk}).status_code == 302
    client.post(delete_url(interview), {"note": theirs.pk})
    client.post(delete_url(interview), {"note": old.pk})
    assert set(InterviewNote.objects.values_list("pk", flat=True)) == {theirs.pk, old.pk}
    assert AuditEntry.objects.filter(action="interview.note_deleted", target_id=str(mine.pk)).count() == 1
    assert client.post(delete_url(interview), {"note": "99999999999999999999"}).status_code == 404


@pytest.mark.django_db
def test_once_a_recording_exists_each_time_plays_it_from_there(interview: Interview, interviewer: User) -> None:
    started(interview, 42)
    add_note(interview=interview, text=NOTE, user=interviewer)
    offset = InterviewNote.objects.get().offset
    media = MediaFileFactory(recording=RecordingFactory(interview=interview))
    page = client_for(interviewer).get(page_of(interview)).content.decode()
    url = reverse("transcription:media", args=[interview.study.slug, media.id])
    assert f'href="{url}#t={offset}"' in page
    assert f'data-media="{url}"' in page


@pytest.mark.django_db
def test_owners_read_the_notes_beside_the_transcript_with_times_that_seek_the_player(
    study: Study, owner: User, interviewer: User
) -> None:
    transcript = machine_transcript(study, ["Hello.", "About the nights."])
    interview = transcript.recording.interview
    MediaFileFactory(recording=transcript.recording)
    Interview.objects.filter(pk=interview.pk).update(status=Interview.Status.SCHEDULED)
    started(interview, 65)
    add_note(interview=interview, text=NOTE, user=interviewer)
    editor = reverse("review:editor", args=[study.slug, transcript.id])
    page = client_for(owner).get(editor).content.decode()
    assert '<h2 id="interview-notes-title">Interviewer\'s notes</h2>' in page
    assert NOTE in page
    assert 'class="seek-note link" data-at="' in page
    assert ">1:0" in page
    assert "review/interview_notes.js" in page


@pytest.mark.django_db
def test_erasure_deletes_the_notes_and_subject_access_includes_them(
    interview: Interview, interviewer: User, owner: User
) -> None:
    add_note(interview=interview, text=NOTE, user=interviewer)
    data = export_participant_data(participant=interview.participant, actor=owner)
    (shown,) = (row for row in data["interviews"] if row["notes"])
    assert [note["text"] for note in shown["notes"]] == [NOTE]
    assert interviewer.email not in str(data)
    withdraw_participant(participant=interview.participant, scope="delete_all")
    assert not InterviewNote.objects.exists()
