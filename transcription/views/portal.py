"""The portal's asynchronous voice interview: the participant records an answer to each guide question in the
browser (or sends a file from their phone's recorder); each answer is sent as soon as it is recorded.

The answer endpoint takes the recording itself as the request body (not a form), so it is streamed to disk by
the service and never parsed into memory; CSRF comes in the X-CSRFToken header. These pages sit in the portal
(`/p/portal/`, `transcription/portal_urls.py`, namespace "voice"): the studies app's portal session is the
participant's credential (`portal_view`), never a team account.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from studies.consent import consent_allows
from studies.models import GuideQuestion, Interview, Participant, SafetyEvent
from studies.portal_views import portal_view, render_portal
from studies.selectors import participant_country
from studies.services.distress import may_request_cut
from studies.services.safety import crisis_resources_for
from transcription.models import VoiceAnswer
from transcription.services import voice_answers
from transcription.services.monitor import TRANSCRIPTION_CONSENT

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


@dataclass(frozen=True)
class QuestionRow:
    question: GuideQuestion
    number: int
    prompt: str
    answer: VoiceAnswer | None

    @property
    def duration(self) -> str:
        files = list(self.answer.recording.files.all()) if self.answer and self.answer.recording else []
        return voice_answers.clock(files[0].duration) if files else ""

    @property
    def max_bytes(self) -> int:
        return voice_answers.answer_byte_limit(self.question)

    @property
    def limit(self) -> str:
        seconds = self.question.max_seconds
        if seconds % 60 == 0:
            return ngettext("%(count)d minute", "%(count)d minutes", seconds // 60) % {"count": seconds // 60}
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}

    @property
    def state(self) -> str:
        if self.answer is None:
            return "empty"
        return "skipped" if self.answer.is_skipped else "answered"


def own_interview(participant: Participant, interview_id: int) -> Interview:
    """The participant's own voice interview, open or handed in; anything else is not found."""
    return get_object_or_404(
        Interview,
        pk=interview_id,
        participant=participant,
        mode=Interview.Mode.ASYNC_VOICE,
        status__in=(Interview.Status.SCHEDULED, Interview.Status.COMPLETED),
    )


def _question(participant: Participant, question_id: int) -> GuideQuestion:
    return get_object_or_404(GuideQuestion, pk=question_id, study_id=participant.study_id)


def _rows(interview: Interview, language: str) -> list[QuestionRow]:
    answers = {
        answer.question_id: answer
        for answer in interview.voice_answers.select_related("recording").prefetch_related("recording__files")
    }
    questions = GuideQuestion.objects.filter(study_id=interview.study_id).select_related("study").order_by("position")
    return [
        QuestionRow(question, number, question.prompt_in(language), answers.get(question.pk))
        for number, question in enumerate(questions, start=1)
    ]


def crisis_resources(participant: Participant) -> list[object]:
    """Crisis resources for the country the person screened from, in their language (shown on the page: the
    questions are about mental health, and answering them aloud can be hard)."""
    country = participant_country(participant)
    return list(crisis_resources_for(study=participant.study, country=country, language=participant.language))


@require_GET
@portal_view
def answers(request: HttpRequest, participant: Participant, interview_id: int) -> HttpResponse:
    interview = own_interview(participant, interview_id)
    rows = _rows(interview, translation.get_language() or participant.language)
    context = {
        "interview": interview,
        "rows": rows,
        "is_open": interview.status == Interview.Status.SCHEDULED,
        "allowed": consent_allows(participant, *TRANSCRIPTION_CONSENT),
        "all_done": bool(rows) and all(row.answer is not None for row in rows),
        "resources": crisis_resources(participant),
        "distressed": participant.safety_events.exists(),
        "support_question": next((row.question.pk for row in rows if row.answer is None), ""),
        "zone": participant.time_zone or "UTC",
        **_stop_context(interview, rows),
    }
    return render_portal(request, participant, "transcription/portal/answers.html", 200, **context)


def _stop_context(interview: Interview, rows: list[QuestionRow]) -> dict[str, object]:
    """After the person stopped from "I need support": that event, the number of the question they were at, and
    whether they may still ask that the answers from there on are not used."""
    stopped = (
        interview.safety_events.filter(kind=SafetyEvent.Kind.PARTICIPANT_SUPPORT, outcome=SafetyEvent.Outcome.STOP)
        .order_by("-marked_at", "-pk")
        .first()
    )
    if stopped is None:
        return {"stopped": None}
    number = next((row.number for row in rows if row.question.pk == stopped.guide_question_id), None)
    may_cut = stopped.cut_requested_at is None and may_request_cut(stopped)
    return {"stopped": stopped, "stopped_number": number, "may_cut": may_cut}


@require_POST
@portal_view
def answer_upload(request: HttpRequest, participant: Participant, interview_id: int, question_id: int) -> JsonResponse:
    interview = own_interview(participant, interview_id)
    question = _question(participant, question_id)
    if request.content_type in FORM_TYPES:
        return JsonResponse({"error": _("Send the recording itself as the body of the request.")}, status=415)
    if not voice_answers.within_answer_rate(participant.pk):
        message = _("Many answers were sent in the last hour. Please wait a little and try again.")
        return JsonResponse({"error": message}, status=429)
    length = _length(request)
    try:
        answer = voice_answers.record_voice_answer(
            interview=interview, question=question, read=request.read, length=length
        )
    except voice_answers.AnswerRefused as error:
        return JsonResponse({"error": str(error)}, status=error.status)
    duration = answer.recording.files.get().duration if answer.recording else 0.0
    return JsonResponse({"answer": answer.pk, "duration": voice_answers.clock(duration)}, status=201)


def _length(request: HttpRequest) -> int:
    """The body's announced length; without one (or with a bad one) WSGI gives no body, so it counts as empty."""
    try:
        return max(0, int(request.headers.get("Content-Length", "0")))
    except ValueError:
        return 0


@require_POST
@portal_view
def skip(request: HttpRequest, participant: Participant, interview_id: int, question_id: int) -> HttpResponse:
    interview = own_interview(participant, interview_id)
    question = _question(participant, question_id)
    try:
        answer = voice_answers.skip_question(interview=interview, question=question)
    except voice_answers.AnswerRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The question was skipped. You can still record an answer to it."))
        return redirect(f"{_answers_url(interview)}#question-{answer.question_id}")
    return redirect(_answers_url(interview))


@require_POST
@portal_view
def finish(request: HttpRequest, participant: Participant, interview_id: int) -> HttpResponse:
    interview = own_interview(participant, interview_id)
    try:
        voice_answers.finish_voice_interview(interview=interview)
    except voice_answers.AnswerRefused as error:
        messages.error(request, str(error))
    return redirect(_answers_url(interview))


def _answers_url(interview: Interview) -> str:
    return reverse("voice:answers", args=[interview.pk])
