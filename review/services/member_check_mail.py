"""The e-mail that tells a participant their transcript is ready to check (outbox kind MEMBER_CHECK).

studies.services.emails sends it (address, language, withdrawal) through the composer registered here from
ReviewConfig.ready: studies may not read review's rows. It says until when and links to the person's portal;
it never carries transcript text, a comment or the name of anyone in the interview.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from review.models import MemberCheck
from review.services.member_check import status_of
from studies.models import OutboxMessage, Participant
from studies.services.emails import NotSendable
from studies.services.portal import portal_url
from studies.services.scheduling import local_time


def compose_member_check(message: OutboxMessage, participant: Participant) -> tuple[str, str]:
    """(subject, body) in the active language (the participant's); NotSendable once the check they were told
    about is answered, cancelled or past its deadline."""
    if message.interview_id is None:
        raise NotSendable("gone")
    check = (
        MemberCheck.objects.filter(
            transcript__recording__interview_id=message.interview_id,
            transcript__recording__interview__participant=participant,
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if check is None or status_of(check) != MemberCheck.Status.SENT:
        raise NotSendable("not_applicable")
    zone = participant.time_zone or "UTC"
    names = {
        "study": participant.study.title,
        "deadline": f"{local_time(check.deadline, zone):%Y-%m-%d} ({zone})",
        "url": portal_url(participant=participant),
    }
    subject = _("Your interview transcript is ready to read: %(study)s") % names
    body = _(
        'Thank you for your interview for the study "%(study)s". Its transcript is ready for you to read. You '
        "can comment on any part of it and tell us whether it is right, until %(deadline)s.\n\n"
        "Open your personal page:\n%(url)s\n\nThis link is personal; please do not share it."
    )
    return subject, body % names
