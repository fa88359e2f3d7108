"""A study's distress protocol, on its safety set-up: the questions an interviewer asks after marking distress (side
by side in each study language), which outcomes alert the safety contacts at once and which need a follow-up, and
the follow-up's time, person and channel.

Every member reads it (whoever runs interviews must know the protocol); owners and researchers change it (a POST
by anyone else is 403). An archived study's protocol is read-only: the page shows no form and the service refuses.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from studies.forms.distress_protocol import DistressProtocolForm, default_question
from studies.iso_names import is_rtl, language_name
from studies.models import SafetyEvent, Study, StudyMembership
from studies.permissions import MANAGERS, study_role
from studies.services.distress import DEFAULT_QUESTIONS, MAX_QUESTIONS, Protocol, protocol_for
from studies.services.distress_protocol import ProtocolError, save_protocol


@require_http_methods(["GET", "POST"])
@study_role()
def distress_protocol(request: HttpRequest, membership: StudyMembership) -> HttpResponse:
    study = membership.study
    if request.method == "POST" and membership.role not in MANAGERS:
        raise PermissionDenied
    protocol = protocol_for(study)
    form = DistressProtocolForm(request.POST if request.method == "POST" else None, study=study, protocol=protocol)
    if request.method == "POST" and form.is_valid():
        try:
            save_protocol(study=study, user=request.user, request=request, **form.protocol_values())
        except ProtocolError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("The distress protocol was saved."))
            return redirect("studies:distress_protocol", study.slug)
    archived = study.status == Study.Status.ARCHIVED
    context = {
        "study": study,
        "membership": membership,
        "can_manage": membership.is_manager and not archived,
        "archived": archived,
        "protocol": protocol,
        "form": form,
        "summary": _summary(study, protocol),
        "max_questions": MAX_QUESTIONS,
    }
    return render(request, "studies/setup/distress_protocol.html", context, status=400 if form.errors else 200)


def _summary(study: Study, protocol: Protocol) -> dict[str, Any]:
    """The protocol as read by members who do not change it: questions per language, outcomes, the follow-up."""
    languages = list(study.languages or ["en"])
    if protocol.questions:
        texts = [{code: question.get(code, "") for code in languages} for question in protocol.questions]
    else:
        texts = [{code: default_question(row, code) for code in languages} for row in range(len(DEFAULT_QUESTIONS))]
    labels = dict(SafetyEvent.Outcome.choices)
    assignee = (
        User.objects.filter(pk=protocol.follow_up_assignee_id).first() if protocol.follow_up_assignee_id else None
    )
    return {
        # Each question: (code, language's name, direction, text) per study language; an empty text is a gap.
        "questions": [
            [(code, language_name(code), "rtl" if is_rtl(code) else "auto", question[code]) for code in languages]
            for question in texts
        ],
        "notify": [labels[outcome] for outcome in protocol.notify_outcomes],
        "follow_up": [labels[outcome] for outcome in protocol.follow_up_outcomes],
        "assignee": assignee,
        "channel": SafetyEvent.Channel(protocol.follow_up_channel).label,
    }
