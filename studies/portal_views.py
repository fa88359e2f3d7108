"""The participant portal, entered by a magic link: status, consent, booking, withdrawal. No password."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_POST

from accounts.audit import client_ip
from studies.forms.portal import BookingForm, ConsentForm, NewLinkForm, TimeZoneForm, WithdrawalForm
from studies.forms.screening import QuestionsForm, localized
from studies.models import CompensationPlan, GuideQuestion, Incentive, Interview, Participant, SafetyEvent
from studies.services import consent as consent_service
from studies.services import distress, phone_booking, scheduling
from studies.services.fraud import allow_submission
from studies.services.new_links import request_new_links
from studies.services.portal import InvalidLink, WithdrawnParticipant, read_link, spend_link
from studies.services.portal_panels import portal_panels
from studies.services.stage_questionnaires import answer_questionnaire, due_questionnaires
from studies.services.study_setup import accepts_new_bookings
from studies.services.withdrawal import withdraw_participant

SESSION_KEY = "portal_participant"

PortalView = Callable[..., HttpResponse]


def enter(request: HttpRequest) -> HttpResponse:
    """A magic link (`?t=`): GET shows one button, and only its POST spends the link, for a session and a clean
    address; the token then stays out of the address bar, history and any Referer."""
    token = request.POST.get("t") or request.GET.get("t") or ""
    try:
        link = read_link(token=token)
    except WithdrawnParticipant as withdrawn:
        return has_withdrawn(request, withdrawn.participant)
    except InvalidLink:
        return link_invalid(request)
    if request.method != "POST":
        with translation.override(link.participant.language):
            response = render(request, "studies/portal/enter.html", {"token": token, "study": link.participant.study})
        # The origin only, never this address (which holds the token); "no-referrer" would make the browser
        # send "Origin: null" with the button's POST, which the CSRF check refuses.
        response["Referrer-Policy"] = "strict-origin"
        response["Cache-Control"] = "no-store"
        return response
    try:
        version = spend_link(link=link)
    except InvalidLink:
        return link_invalid(request)
    request.session.cycle_key()
    request.session[SESSION_KEY] = [link.participant.id, version]
    if link.questionnaire_id is not None:
        return redirect("participate:portal_questionnaire", link.questionnaire_id)
    return redirect("participate:portal")


def link_invalid(request: HttpRequest, form: NewLinkForm | None = None, status: int = 400) -> HttpResponse:
    context = {"form": form or NewLinkForm()}
    return render(request, "studies/portal/link_invalid.html", context, status=status)


def has_withdrawn(request: HttpRequest, participant: Participant) -> HttpResponse:
    """What someone who has withdrawn reads on opening an old link or their study page: that they have withdrawn
    and whom to write to, in their language. 403, as for any refused portal request: nothing of theirs opens."""
    with translation.override(participant.language):
        return render(request, "studies/portal/has_withdrawn.html", {"study": participant.study}, status=403)


@require_POST
def new_link(request: HttpRequest) -> HttpResponse:
    """Send a fresh link to the address given, if it belongs to someone taking part; the answer is the same
    either way. Counted against the public forms' hourly limit per address."""
    form = NewLinkForm(request.POST)
    if not form.is_valid():
        return link_invalid(request, form)
    if allow_submission(ip=client_ip(request) or ""):
        request_new_links(email=form.cleaned_data["email"])
    return render(request, "studies/portal/new_link_sent.html")


def portal_view(view: PortalView) -> Callable[..., HttpResponse]:
    """Require a portal session whose link has not been revoked; pages speak the participant's language."""

    @wraps(view)
    def wrapper(request: HttpRequest, **kwargs: int) -> HttpResponse:
        pid, version = request.session.get(SESSION_KEY) or (0, -1)
        participant = Participant.objects.select_related("study").filter(id=int(pid)).first()
        if participant is not None and participant.status == Participant.Status.WITHDRAWN:
            # Withdrawn by the team while this session was open (withdrawing here flushes the session instead, so
            # that nothing of theirs stays on a shared device; their old links still say they have withdrawn).
            return has_withdrawn(request, participant)
        if participant is None or participant.link_version != int(version):
            return link_invalid(request, status=403)
        # The language the person screened in, until they pick another with the switcher (a cookie).
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = translation.get_language() or settings.LANGUAGE_CODE
        if chosen not in (participant.study.languages or ["en"]):
            language = request.LANGUAGE_CODE = participant.language
        # Only for this view: the thread's language goes back afterwards (nothing else inherits the person's).
        with translation.override(language):
            response = view(request, participant, **kwargs)
        response.headers.setdefault("Content-Language", language)
        return response

    return wrapper


def render_portal(
    request: HttpRequest, participant: Participant, template: str, status: int = 200, **extra: object
) -> HttpResponse:
    context = {"participant": participant, "study": participant.study, "languages": participant.study.languages}
    return render(request, template, {**context, **extra}, status=status)


@portal_view
def home(request: HttpRequest, participant: Participant) -> HttpResponse:
    booking = scheduling.current_booking(participant)
    zone = participant.time_zone or "UTC"
    return render_portal(
        request,
        participant,
        "studies/portal/home.html",
        booking=booking,
        booking_start=f"{scheduling.local_time(booking.scheduled_start, zone):%Y-%m-%d %H:%M}"
        if booking and booking.scheduled_start
        else "",
        zone=zone,
        consent=participant.consents.filter(superseded_at__isnull=True).first(),
        needs_consent=consent_service.needs_consent(participant),
        can_book=participant.status in scheduling.BOOKABLE,
        bookings_open=accepts_new_bookings(participant.study),
        due=due_questionnaires(participant=participant),
        voice_interview=participant.interviews.filter(
            mode=Interview.Mode.ASYNC_VOICE, status=Interview.Status.SCHEDULED
        ).first(),
        after_interviews=after_interviews(participant),
        interview_done=participant.interviews.filter(status=Interview.Status.COMPLETED).exists(),
        panels=portal_panels(participant),  # sections of the apps above studies (a transcript to check)
        **payments(participant),
    )


def payments(participant: Participant) -> dict[str, Any]:
    """What the study pays for taking part, in the page's language (else the study's first), and the person's own
    ledger lines that are owed or paid (a cancelled line is the team's bookkeeping, not news for them)."""
    plan = CompensationPlan.objects.filter(study_id=participant.study_id).first()
    texts = plan.descriptions if plan is not None else {}
    fallback = (participant.study.languages or ["en"])[0]
    return {
        "plan_description": texts.get(translation.get_language() or "") or texts.get(fallback, ""),
        "payments": list(participant.incentives.exclude(status=Incentive.Status.CANCELLED).order_by("earned_at", "id")),
    }


@dataclass(frozen=True)
class AfterInterview:
    """An interview that stopped at a distress mark or a request for support (issue #25)."""

    event: SafetyEvent
    # For a voice interview: the number of the question the person was at.
    question_number: int | None
    may_ask: bool


def after_interviews(participant: Participant) -> list[AfterInterview]:
    """The person's interviews that stopped at a mark, where they may ask that what they said after it is not used
    (or did ask); their own events only, never a risk answer's."""
    events = (
        participant.safety_events.exclude(kind=SafetyEvent.Kind.RISK_ITEM)
        .exclude(outcome="")
        .select_related("guide_question")
        .order_by("-marked_at", "-pk")
    )
    rows = []
    for event in events:
        may_ask = event.cut_requested_at is None and distress.may_request_cut(event)
        if may_ask or event.cut_requested_at is not None:
            rows.append(AfterInterview(event, _question_number(event.guide_question), may_ask))
    return rows


def _question_number(question: GuideQuestion | None) -> int | None:
    """The question's number as the voice interview page shows it (guide order, counting from 1)."""
    if question is None:
        return None
    earlier = GuideQuestion.objects.filter(study_id=question.study_id, position__lt=question.position).count()
    return earlier + 1


@require_POST
@portal_view
def cut(request: HttpRequest, participant: Participant, event_id: int) -> HttpResponse:
    """The person asks that what they said after the mark is not used; the team applies it."""
    event = get_object_or_404(
        participant.safety_events.exclude(kind=SafetyEvent.Kind.RISK_ITEM).select_related("study"), pk=event_id
    )
    try:
        distress.request_cut(event=event)
    except distress.DistressError as error:
        messages.error(request, str(error))
    return redirect(f"{reverse('participate:portal')}#after-interview-{event.pk}")


@portal_view
def questionnaire(request: HttpRequest, participant: Participant, pk: int) -> HttpResponse:
    due = {q.id: q for q in due_questionnaires(participant=participant)}
    if pk not in due:
        return redirect("participate:portal")
    chosen = due[pk]
    questions = list(chosen.questions.select_related("section"))
    language = translation.get_language() or participant.language
    fallback = (participant.study.languages or ["en"])[0]
    form = QuestionsForm(request.POST or None, questions=questions, language=language, fallback=fallback)
    if request.method == "POST" and form.is_valid():
        answer_questionnaire(
            participant=participant, questionnaire=chosen, questions=questions, answers=form.answers, language=language
        )
        return redirect("participate:portal")
    context = {"questionnaire": chosen, "title": localized(chosen.title, language, fallback), "form": form}
    return render_portal(
        request, participant, "studies/portal/questionnaire.html", 400 if form.errors else 200, **context
    )


@portal_view
def consent(request: HttpRequest, participant: Participant) -> HttpResponse:
    language = translation.get_language() or participant.language
    document = consent_service.current_document(study=participant.study, language=language)
    if document is None or not consent_service.needs_consent(participant):
        return redirect("participate:portal")
    form = ConsentForm(request.POST or None, document=document)
    if request.method == "POST" and form.is_valid():
        try:
            consent_service.sign_consent(
                participant=participant,
                document=document,
                choices=form.choices(),
                comprehension_answers=form.comprehension_answers(),
                signature_name=form.cleaned_data["signature_name"],
                ip_address=client_ip(request) or "",
                language=document.language,
            )
        except consent_service.ConsentError as error:
            form.add_error(None, str(error))
        else:
            return redirect("participate:portal")
    html = consent_service.render_consent(document)
    status = 400 if form.errors else 200
    return render_portal(
        request, participant, "studies/portal/consent.html", status, document=document, html=html, form=form
    )


@portal_view
def consent_pdf(request: HttpRequest, participant: Participant) -> HttpResponse:
    signed = get_object_or_404(participant.consents.select_related("document"), superseded_at__isnull=True)
    response = HttpResponse(consent_service.consent_pdf(signed), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="consent-{participant.code}.pdf"'
    return response


@portal_view
def book(request: HttpRequest, participant: Participant) -> HttpResponse:
    if not accepts_new_bookings(participant.study):
        # A closed or archived study books no new interviews; cancelling, withdrawal and data access stay open.
        closed = 409 if request.method == "POST" else 200
        return render_portal(request, participant, "studies/portal/booking_closed.html", closed)
    zone_form = TimeZoneForm(request.GET or {"tz": participant.time_zone})
    zone = zone_form.data.get("tz") or "UTC"
    zone = zone if zone in scheduling.TIME_ZONES else "UTC"
    slots = scheduling.open_slots(study=participant.study)
    region = phone_booking.phone_region_for(participant, slots)
    form = BookingForm(request.POST or None, slots=slots, time_zone=zone, initial={"tz": zone}, phone_region=region)
    if request.method == "POST" and form.is_valid():
        try:
            phone_booking.book_with_phone(
                participant=participant,
                slot=form.cleaned_data["slot"],
                time_zone=form.cleaned_data["tz"],
                phone=form.cleaned_data.get("phone", ""),
            )
        except scheduling.BookingError as error:
            form.add_error("slot", str(error))
        else:
            return redirect("participate:portal")
    status = 400 if form.errors else 200
    return render_portal(
        request, participant, "studies/portal/book.html", status, form=form, zone_form=zone_form, zone=zone
    )


@require_POST
@portal_view
def cancel(request: HttpRequest, participant: Participant) -> HttpResponse:
    scheduling.cancel_booking(participant=participant)
    return redirect("participate:portal")


@portal_view
def calendar_file(request: HttpRequest, participant: Participant) -> HttpResponse:
    booking = scheduling.current_booking(participant)
    if booking is None:
        return redirect("participate:portal")
    response = HttpResponse(scheduling.interview_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="interview.ics"'
    return response


@portal_view
def withdraw(request: HttpRequest, participant: Participant) -> HttpResponse:
    form = WithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        withdraw_participant(participant=participant, scope=form.cleaned_data["scope"], request=request)
        request.session.flush()
        return render(request, "studies/portal/withdrawn.html", {"study": participant.study})
    return render_portal(request, participant, "studies/portal/withdraw.html", 400 if form.errors else 200, form=form)
