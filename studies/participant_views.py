"""Team pages about participants: the list, one person, review of flagged responses, and coverage-first
selection for invitation. Every view goes through studies.permissions; what each role sees of a participant
is chosen here (SCREENING_READERS), before anything reaches a template."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import record_event
from studies.answers import ShownResponse, consent_rows, shown_responses
from studies.models import Interview, OutboxMessage, Participant, ScreeningResponse, Stratum, Study, StudyMembership
from studies.permissions import CONTACT_ROLES, MANAGERS, study_role
from studies.scales import ShownScore, shown_scores
from studies.services.message_templates import team_message_ready
from studies.services.quotas import invite_participants, select_for_invitation, stratum_counts
from studies.services.safety import FOLLOW_UP_ROLES
from studies.services.screening import review_response
from studies.services.subject_access import export_participant_data

SCREENING_ONLY = Prefetch(
    "responses", queryset=ScreeningResponse.objects.filter(questionnaire__kind="screening"), to_attr="screenings"
)
UPCOMING_INTERVIEWS = Prefetch(
    "interviews",
    queryset=Interview.objects.filter(status=Interview.Status.SCHEDULED).order_by("scheduled_start"),
    to_attr="upcoming_interviews",
)
# Screening answers (risk items and free text included), risk level and reasons, fraud and eligibility reasons,
# and contact details: owners and researchers only. For interviewers, coders and viewers these are not even
# read from the database, so no template can show them: they get the pseudonym, the stage, the language,
# consent choices and, for interviewers, the interview times.
SCREENING_READERS = MANAGERS


@study_role()
def participant_list(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    sees_screening = membership.role in SCREENING_READERS
    people = study.participants.order_by("-created_at")
    if sees_screening:
        people = people.prefetch_related(SCREENING_ONLY)
    if membership.role in CONTACT_ROLES:
        people = people.prefetch_related(UPCOMING_INTERVIEWS)
    # The stage is the only filter: it is shown to every role. A filter on screening data (risk level, reasons)
    # would tell a role that may not read those who holds them.
    status = request.GET.get("status", "")
    if status in Participant.Status.values:
        people = people.filter(status=status)
    context = {
        "study": study,
        "membership": membership,
        "people": people[:500],
        "statuses": Participant.Status.choices,
        "status": status,
        # Quota counts are read from screening answers.
        "strata": _strata(study) if sees_screening else [],
        "sees_screening": sees_screening,
        "sees_interviews": membership.role in CONTACT_ROLES,
        "can_manage": membership.role in MANAGERS,
    }
    return render(request, "studies/participant_list.html", context)


def _strata(study: Study) -> list[tuple[Stratum, int]]:
    counts = stratum_counts(study=study)
    return [(stratum, counts[stratum.id]) for stratum in study.strata.all()]


@study_role()
def participant_detail(request: HttpRequest, membership: StudyMembership, code: str) -> HttpResponse:
    study = membership.study
    role = membership.role
    sees_screening = role in SCREENING_READERS
    participant = get_object_or_404(study.participants, code=code)
    contact = None
    if sees_screening and hasattr(participant, "contact"):
        contact = participant.contact
        record_event(action="contact_details.viewed", request=request, study_id=study.id, target=participant)
    context = {
        "study": study,
        "membership": membership,
        "participant": participant,
        "screenings": screening_answers(participant, study) if sees_screening else [],
        # Scale scores are health information: read for owners and researchers only, like the answers.
        "scores": participant_scores(participant) if sees_screening else [],
        "contact": contact,
        "can_manage": role in MANAGERS,
        "safety_events": participant.safety_events.all() if role in FOLLOW_UP_ROLES else [],
        "interviews": participant.interviews.order_by("-scheduled_start") if role in CONTACT_ROLES else [],
        # The signature is the person's name: never read for this page.
        "consents": consent_rows(
            list(participant.consents.select_related("document").defer("signature_name", "ip_address"))
        ),
        "can_meet": role in CONTACT_ROLES,
        # What the platform sent this person (and the team about them), when: the outbox rows, newest first.
        "messages_sent": participant_messages(participant, role=role) if role in CONTACT_ROLES else [],
        "team_message_ready": role in MANAGERS and team_message_ready(participant),
    }
    return render(request, "studies/participant_detail.html", context)


def screening_answers(participant: Participant, study: Study) -> list[ShownResponse]:
    """The person's screening responses with question texts and choice labels in the reader's language (the
    study's first when the reader's is not one of its languages). Only for SCREENING_READERS."""
    responses = (
        participant.responses.filter(questionnaire__kind="screening")
        .select_related("questionnaire")
        .prefetch_related("questionnaire__questions")
    )
    fallback = (study.languages or ["en"])[0]
    return shown_responses(list(responses), language=get_language() or fallback, fallback=fallback)


def participant_scores(participant: Participant) -> list[tuple[ScreeningResponse, ShownScore]]:
    """Each scored scale of each of the person's responses (studies.scales), oldest first. Only for
    SCREENING_READERS."""
    responses = participant.responses.select_related("questionnaire").order_by("submitted_at", "id")
    return [(response, found) for response in responses for found in shown_scores(response.attributes)]


def participant_messages(participant: Participant, *, role: str) -> QuerySet[OutboxMessage]:
    """The outbox rows about the person. A safety alert says that they answered a risk item: only the roles that
    follow safety events up see it (an interviewer reads neither the risk level nor the events)."""
    rows = OutboxMessage.objects.filter(participant=participant)
    if role not in FOLLOW_UP_ROLES:
        rows = rows.exclude(kind=OutboxMessage.Kind.SAFETY_ALERT)
    return rows.order_by("-created_at")[:100]


@require_POST
@study_role(*MANAGERS)
def review(request: HttpRequest, membership: StudyMembership, code: str) -> HttpResponse:
    participant = get_object_or_404(membership.study.participants, code=code)
    response = get_object_or_404(ScreeningResponse, participant=participant, review=ScreeningResponse.Review.PENDING)
    review_response(response=response, clear=request.POST.get("decision") == "clear")
    record_event(action="screening.reviewed", request=request, study_id=membership.study_id, target=participant)
    messages.success(request, _("The review was saved."))
    return redirect("studies:participant", slug=membership.study.slug, code=code)


@study_role(*MANAGERS)
def select(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    """GET proposes people (coverage first, with reasons); POST invites the ones the researcher kept."""
    study = membership.study
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("participant") if v.isdigit()]
        invited = invite_participants(participants=list(study.participants.filter(id__in=ids)))
        record_event(action="participants.invited", request=request, study_id=study.id, detail={"ids": ids})
        messages.success(request, _("%(count)s people were invited.") % {"count": invited})
        return redirect("studies:participants", slug=study.slug)
    try:
        limit = max(1, min(int(request.GET.get("limit", "10")), 200))
    except ValueError:
        limit = 10
    picks = select_for_invitation(study=study, limit=limit)
    return render(request, "studies/select.html", {"study": study, "picks": picks, "limit": limit})


@study_role(*MANAGERS)
def export_data(request: HttpRequest, membership: StudyMembership, code: str) -> HttpResponse:
    """The participant's own data as a JSON file, for answering their request (GDPR-style subject access)."""
    participant = get_object_or_404(Participant, study=membership.study, code=code)
    data = export_participant_data(participant=participant, actor=request.user)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{participant.code}-data.json"'
    response["Cache-Control"] = "no-store"
    return response
