"""The interview page (upload, recordings, live job state) and the study's job list."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import record_event
from studies.iso_names import is_rtl
from studies.models import GuideQuestion, Interview, SafetyEvent, StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.services.distress import INTERVIEW_ROLES, LIVE_MODES
from transcription import selectors, services
from transcription.models import Recording, TranscriptionJob, VoiceAnswer
from transcription.views import live
from transcription.views.roles import LISTENERS, UPLOADERS


def interview_of(membership: StudyMembership, interview_id: int) -> Interview:
    return get_object_or_404(Interview.objects.select_related("participant"), id=interview_id, study=membership.study)


@require_GET
@study_role()
def interview_page(request: HttpRequest, membership: StudyMembership, interview_id: int) -> HttpResponse:
    interview = interview_of(membership, interview_id)
    recordings = list(selectors.recordings_of(interview))
    answers = _answers(interview, recordings) if interview.mode == Interview.Mode.ASYNC_VOICE else []
    answered = {row.recording.id for row in answers if row.recording is not None}
    context = {
        "study": membership.study,
        "membership": membership,
        "interview": interview,
        "rows": [
            (recording, selectors.latest_job(recording)) for recording in recordings if recording.id not in answered
        ],
        "answers": answers,
        "can_upload": membership.role in UPLOADERS,
        "can_listen": membership.role in LISTENERS,
        "can_retranscribe": membership.role in MANAGERS,
        "speakers": services.speaker_choices(interview),
        "layouts": Recording.Layout.choices,
        "max_bytes": settings.MAX_UPLOAD_BYTES,
        "chunk_bytes": settings.UPLOAD_CHUNK_BYTES,
    }
    if membership.role in INTERVIEW_ROLES:
        context |= _safety_context(request, membership, interview, has_recording=bool(recordings))
        context |= live.notes_context(membership, interview, recordings)
        context |= live.phone_context(request, membership, interview)
    return render(request, "transcription/interview.html", context)


def _safety_context(
    request: HttpRequest, membership: StudyMembership, interview: Interview, *, has_recording: bool
) -> dict[str, object]:
    """For the people who run interviews: the live interview's controls and guide, and every safety event of the
    interview (kinds, times and outcomes; the assessment notes for owners and researchers only, audited)."""
    events = list(
        SafetyEvent.objects.filter(interview=interview)
        .select_related("marked_by", "follow_up_assignee", "guide_question")
        .order_by("created_at", "id")
    )
    show_notes = membership.role in MANAGERS
    if show_notes and any(event.assessment_note for event in events):
        record_event(
            action="interview.safety_notes_viewed", request=request, study_id=interview.study_id, target=interview
        )
    live = interview.mode in LIVE_MODES
    distress = SafetyEvent.Kind.INTERVIEW_DISTRESS
    return {
        "can_run": True,
        "is_live": live,
        "is_open": interview.status == Interview.Status.SCHEDULED,
        "guide": _guide(interview) if live else [],
        "participant_direction": "rtl" if is_rtl(interview.participant.language.split("-")[0]) else "ltr",
        "events": events,
        "pending": next((event for event in events if event.kind == distress and not event.outcome), None),
        "show_notes": show_notes,
        "has_recording": has_recording,
    }


def _guide(interview: Interview) -> list[tuple[str, str]]:
    """Each guide question in the participant's language, and in the interviewer's when that reads differently."""
    theirs = interview.participant.language
    mine = translation.get_language() or "en"
    questions = GuideQuestion.objects.filter(study_id=interview.study_id).select_related("study").order_by("position")
    rows = []
    for question in questions:
        text, other = question.prompt_in(theirs), question.prompt_in(mine)
        rows.append((text, other if other != text else ""))
    return rows


@dataclass(frozen=True)
class AnswerRow:
    number: int
    prompt: str
    answer: VoiceAnswer | None
    recording: Recording | None
    job: TranscriptionJob | None


def _answers(interview: Interview, recordings: list[Recording]) -> list[AnswerRow]:
    """Each guide question of an asynchronous voice interview with its answer, recording and latest job."""
    by_id = {recording.id: recording for recording in recordings}
    answers = {answer.question_id: answer for answer in VoiceAnswer.objects.filter(interview=interview)}
    questions = GuideQuestion.objects.filter(study_id=interview.study_id).select_related("study").order_by("position")
    language = translation.get_language() or "en"
    rows = []
    for number, question in enumerate(questions, start=1):
        answer = answers.get(question.id)
        recording = by_id.get(answer.recording_id) if answer and answer.recording_id else None
        job = selectors.latest_job(recording) if recording else None
        rows.append(AnswerRow(number, question.prompt_in(language), answer, recording, job))
    return rows


@require_GET
@study_role()
def interview_status(request: HttpRequest, membership: StudyMembership, interview_id: int) -> JsonResponse:
    interview = interview_of(membership, interview_id)
    slug = membership.study.slug
    states = [selectors.recording_state(recording, slug=slug) for recording in selectors.recordings_of(interview)]
    return JsonResponse({"recordings": states})


@require_GET
@study_role()
def job_list(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    jobs = selectors.jobs_of(membership.study)[:200]
    can_retry = membership.role in UPLOADERS
    context = {"study": membership.study, "membership": membership, "jobs": jobs, "can_retry": can_retry}
    return render(request, "transcription/job_list.html", context)


@require_GET
@study_role()
def job_list_status(request: HttpRequest, membership: StudyMembership) -> JsonResponse:
    slug = membership.study.slug
    jobs = selectors.jobs_of(membership.study)[:200]
    return JsonResponse({"jobs": [selectors.job_state(job, slug=slug) for job in jobs]})


@require_POST
@study_role(*UPLOADERS)
def retry(request: HttpRequest, membership: StudyMembership, job_id: int) -> HttpResponse:
    job = get_object_or_404(TranscriptionJob, id=job_id, recording__interview__study=membership.study)
    try:
        services.retry_job(job=job)
    except services.RetryRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The job was queued again."))
    return redirect("transcription:interview", membership.study.slug, job.recording.interview_id)


@require_POST
@study_role(*MANAGERS)
def retranscribe(request: HttpRequest, membership: StudyMembership, recording_id: int) -> HttpResponse:
    """Owners and researchers: transcribe a recording again from scratch (services.retranscribe_recording)."""
    recording = get_object_or_404(
        Recording.objects.select_related("interview"), id=recording_id, interview__study=membership.study
    )
    try:
        services.retranscribe_recording(recording=recording, user=membership.user)
    except services.RetryRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The recording was queued to be transcribed again."))
    return redirect("transcription:interview", membership.study.slug, recording.interview_id)
