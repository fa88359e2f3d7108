"""The participant's side of the distress protocol in a voice interview: "I need support" at any time (the crisis
resources in their language, going back to the questions, or stopping), and after a stop, asking that their answer
to the question they stopped at and the ones after it are not used.

Portal pages (namespace "voice"): the portal session is the credential, and every event is looked up through the
participant's own interview, so another person's is not found. The services in studies.services.distress write
and audit each step with ids only; nothing here logs or records what the person said or chose to say.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from studies.models import GuideQuestion, Interview, Participant, SafetyEvent
from studies.portal_views import portal_view, render_portal
from studies.services import distress
from transcription.views.portal import crisis_resources, own_interview

# What the page script says when the person left while an answer was still being recorded or sent.
DROPPED = "dropped"


def _event(interview: Interview, event_id: int) -> SafetyEvent:
    """The support event of the participant's own interview; anything else is not found."""
    return get_object_or_404(
        SafetyEvent.objects.select_related("study"),
        pk=event_id,
        interview=interview,
        kind=SafetyEvent.Kind.PARTICIPANT_SUPPORT,
    )


def _question_at(interview: Interview, chosen: str) -> GuideQuestion | None:
    """The question the person was at: the one the page script names (in view or being recorded), else the first
    one not yet answered or skipped."""
    questions = GuideQuestion.objects.filter(study_id=interview.study_id).order_by("position", "pk")
    if chosen.isdigit() and (question := questions.filter(pk=int(chosen)).first()) is not None:
        return question
    return questions.exclude(pk__in=interview.voice_answers.values("question_id")).first()


def _answers_url(interview: Interview, anchor: str = "") -> str:
    return reverse("voice:answers", args=[interview.pk]) + (f"#{anchor}" if anchor else "")


@require_POST
@portal_view
def support_open(request: HttpRequest, participant: Participant, interview_id: int) -> HttpResponse:
    interview = own_interview(participant, interview_id)
    if interview.status != Interview.Status.SCHEDULED:
        # Handed in already: the answers page shows the resources; nothing is asked of the team.
        return redirect(_answers_url(interview, "support"))
    event = distress.open_support(
        interview=interview, question=_question_at(interview, request.POST.get("question", ""))
    )
    dropped = "?recording=dropped" if request.POST.get("recording") == DROPPED else ""
    return redirect(reverse("voice:support", args=[interview.pk, event.pk]) + dropped)


@require_GET
@portal_view
def support(request: HttpRequest, participant: Participant, interview_id: int, event_id: int) -> HttpResponse:
    interview = own_interview(participant, interview_id)
    event = _event(interview, event_id)
    if event.outcome or interview.status != Interview.Status.SCHEDULED:
        return redirect(_answers_url(interview, "stopped"))
    context = {
        "interview": interview,
        "event": event,
        "resources": crisis_resources(participant),
        "back_url": _answers_url(interview, f"question-{event.guide_question_id}" if event.guide_question_id else ""),
        "dropped": request.GET.get("recording") == DROPPED,
    }
    return render_portal(request, participant, "transcription/portal/support.html", 200, **context)


@require_POST
@portal_view
def support_stop(request: HttpRequest, participant: Participant, interview_id: int, event_id: int) -> HttpResponse:
    """Stop the interview: the answers sent so far are kept and handed in. Pressing twice is the same."""
    interview = own_interview(participant, interview_id)
    distress.stop_voice_interview(event=_event(interview, event_id))
    return redirect(_answers_url(interview, "stopped"))


@require_POST
@portal_view
def support_cut(request: HttpRequest, participant: Participant, interview_id: int, event_id: int) -> HttpResponse:
    """Ask that the answer to the question they stopped at, and the ones after it, are not used."""
    interview = own_interview(participant, interview_id)
    try:
        distress.request_cut(event=_event(interview, event_id))
    except distress.DistressError as error:
        messages.error(request, str(error))
    return redirect(_answers_url(interview, "stopped"))
