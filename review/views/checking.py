"""The participant's side of member checking, in the portal (namespace "checking", review/portal_urls.py): their
transcript as sent, a comment box per segment, and their answer. The portal session is the credential
(`studies.portal_views.portal_view`): a person reaches only their own transcripts; pages speak their language."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from review.forms import APPROVE, AnswerForm, CommentForm
from review.member_checks import participant_check, segments_sent
from review.models import MemberCheck
from review.services.member_check import MemberCheckError, answer_member_check, save_comment, status_of
from review.views.common import int_param
from studies.models import Participant
from studies.portal_views import portal_view, render_portal


def _check(participant: Participant, transcript_id: int) -> MemberCheck:
    check = participant_check(participant, transcript_id)
    if check is None:
        raise Http404
    return check


def _page(
    request: HttpRequest,
    participant: Participant,
    check: MemberCheck,
    *,
    status: int = 200,
    comment_form: CommentForm | None = None,
    answer_form: AnswerForm | None = None,
) -> HttpResponse:
    """The page; after a refused comment or answer, with that form's errors and what was typed (400)."""
    refused: Any = comment_form or answer_form
    failed_segment = int_param(comment_form.data.get("segment"), -1) if comment_form is not None else None
    return render_portal(
        request,
        participant,
        "review/portal/check.html",
        status=status,
        check=check,
        state=status_of(check),
        segments=segments_sent(check),
        zone=participant.time_zone or "UTC",
        refused=refused,
        failed_segment=failed_segment,
        failed_text=comment_form.data.get("text", "") if comment_form is not None else "",
        answer_form=answer_form or AnswerForm(),
    )


@require_GET
@portal_view
def transcript(request: HttpRequest, participant: Participant, transcript_id: int) -> HttpResponse:
    return _page(request, participant, _check(participant, transcript_id))


@require_POST
@portal_view
def comment(request: HttpRequest, participant: Participant, transcript_id: int) -> HttpResponse:
    check = _check(participant, transcript_id)
    segment = int_param(request.POST.get("segment"), -1) or 0
    form = CommentForm(request.POST, auto_id=f"segment-{segment + 1}-%s")
    if form.is_valid():
        try:
            saved = save_comment(check=check, segment=form.cleaned_data["segment"], text=form.cleaned_data["text"])
        except MemberCheckError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your comment was saved.") if saved else _("Your comment was removed."))
            url = reverse("checking:transcript", args=[transcript_id])
            return redirect(f"{url}#segment-{segment + 1}")
    return _page(request, participant, check, status=400, comment_form=form)


@require_POST
@portal_view
def answer(request: HttpRequest, participant: Participant, transcript_id: int) -> HttpResponse:
    check = _check(participant, transcript_id)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            answer_member_check(
                check=check, approved=form.cleaned_data["decision"] == APPROVE, message=form.cleaned_data["message"]
            )
        except MemberCheckError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you: your answer was sent to the research team."))
            return redirect("checking:transcript", transcript_id)
    return _page(request, participant, check, status=400, answer_form=form)
