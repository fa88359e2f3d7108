"""The team records that a booked interview took place ("Record as done" on the participant page).

studies.services.scheduling.complete_interview does the work (the participant counts as interviewed, questionnaires
and incentives follow); this is the team's action in front of it, which refuses an interview still in the future.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from studies.models import Interview
from studies.services.scheduling import complete_interview


class InterviewNotDue(Exception):
    """Recording as done an interview whose time has not come: nothing changed. The message is for the team."""


def record_interview_done(
    *, interview: Interview, user: Any, request: HttpRequest | None = None, now: datetime | None = None
) -> Interview:
    """Record a booked interview as done. Refused while its scheduled start is still ahead, unless it was started on
    its page (an interview may begin a little early): a future interview cannot have happened, and recording it done
    would count the person as interviewed and earn their incentive. The caller checked the role."""
    now = now or timezone.now()
    start = interview.scheduled_start
    if start is not None and start > now and interview.started_at is None:
        when = formats.date_format(timezone.localtime(start), "SHORT_DATETIME_FORMAT")
        raise InterviewNotDue(
            _("This interview is scheduled for %(when)s: record it as done once it has taken place.") % {"when": when}
        )
    with transaction.atomic():
        done = complete_interview(interview=interview)
        record_event(action="interview.recorded_done", actor=user, request=request, study_id=done.study_id, target=done)
    return done
