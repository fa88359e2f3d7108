"""Public pages of a study: the screening questionnaire and its result. No account, no password."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.audit import client_ip
from studies.forms.screening import ScreeningForm
from studies.models import Participant, Questionnaire, ScreeningResponse, Study
from studies.services.fraud import allow_submission
from studies.services.safety import crisis_resources_for
from studies.services.screening import Submission, submit_screening

FORM_SALT = "studies.screening-form"
RESULT_SALT = "studies.screening-result"
FORM_MAX_AGE = 24 * 3600
# The screening result a stage shows; any later stage (invited, consented...) reads as eligible.
RESULTS: dict[str, str] = {
    Participant.Status.INELIGIBLE: "ineligible",
    Participant.Status.FLAGGED: "flagged",
    Participant.Status.WAITLISTED: "waitlisted",
}


def use_study_language(request: HttpRequest, study: Study) -> str:
    """Keep the page in one of the study's languages (the visitor's choice when the study offers it)."""
    language = translation.get_language() or "en"
    offered = study.languages or ["en"]
    if language not in offered:
        language = offered[0]
        translation.activate(language)
        request.LANGUAGE_CODE = language
    return language


def _new_token(study: Study) -> str:
    return signing.dumps(
        {"s": study.id, "n": secrets.token_hex(16), "t": datetime.now(UTC).timestamp()}, salt=FORM_SALT
    )


def _read_token(study: Study, token: str) -> tuple[str, datetime] | None:
    """The form's nonce (its idempotency key) and when the form was served; None if forged or stale."""
    try:
        data = signing.loads(token, salt=FORM_SALT, max_age=FORM_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("s") != study.id:
        return None
    return data["n"], datetime.fromtimestamp(data["t"], tz=UTC)


def _page(request: HttpRequest, study: Study, form: ScreeningForm, status: int = 200, notice: str = "") -> HttpResponse:
    description = study.description_in(form.language)
    context = {"study": study, "form": form, "languages": study.languages, "notice": notice, "description": description}
    return render(request, "studies/public/screening.html", context, status=status)


@require_http_methods(["GET", "POST"])
def screening(request: HttpRequest, slug: str) -> HttpResponse:
    questionnaire = (
        Questionnaire.objects.select_related("study")
        .filter(study__slug=slug, kind=Questionnaire.Kind.SCREENING, study__status=Study.Status.RECRUITING)
        .exclude(published_at=None)
        .first()
    )
    study = questionnaire.study if questionnaire is not None else get_object_or_404(Study, slug=slug)
    language = use_study_language(request, study)
    if questionnaire is None:
        return render(request, "studies/public/closed.html", {"study": study})
    questions = list(questionnaire.questions.select_related("section"))
    fallback = (study.languages or ["en"])[0]
    if request.method == "GET":
        form = ScreeningForm(
            initial={"token": _new_token(study)}, questions=questions, language=language, fallback=fallback
        )
        return _page(request, study, form)
    ip = client_ip(request) or ""
    if not allow_submission(ip=ip):
        return render(request, "studies/public/too_many.html", {"study": study}, status=429)
    form = ScreeningForm(request.POST, questions=questions, language=language, fallback=fallback)
    token = _read_token(study, request.POST.get("token", ""))
    if token is None:
        fresh = ScreeningForm(
            initial={"token": _new_token(study)}, questions=questions, language=language, fallback=fallback
        )
        return _page(request, study, fresh, status=400, notice=_("This form has expired. Please fill it in again."))
    if not form.is_valid():
        return _page(request, study, form, status=400)
    data = form.cleaned_data
    submission = Submission(
        form_token=token[0],
        started_at=token[1],
        answers=form.answers,
        name=data["name"],
        email=data["email"],
        phone=data["phone"],
        language=language,
        ip=ip,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
        honeypot=data["website"],
    )
    outcome = submit_screening(study=study, questionnaire=questionnaire, submission=submission, questions=questions)
    result = signing.dumps(outcome.response.id, salt=RESULT_SALT)
    return redirect("participate:screening_result", slug=study.slug, token=result)


def screening_result(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    study = get_object_or_404(Study, slug=slug)
    use_study_language(request, study)
    try:
        response_id = signing.loads(token, salt=RESULT_SALT, max_age=FORM_MAX_AGE)
    except signing.BadSignature as error:
        raise Http404 from error
    response = get_object_or_404(ScreeningResponse.objects.select_related("participant"), id=response_id, study=study)
    participant = response.participant
    resources = None
    if participant.safety_events.exists():
        country = str(response.attributes.get("country", ""))
        resources = crisis_resources_for(study=study, country=country, language=participant.language)
    # What the person reads follows their stage; a response flagged for review is promised nothing yet.
    context = {"study": study, "result": RESULTS.get(participant.status, "eligible"), "resources": resources}
    return render(request, "studies/public/screening_result.html", context)
