"""The team's e-mails about safety events: the alert to the safety contacts (what happened, by kind, never the
content) and the reminder that a follow-up is due. In the site's language; senders of the outbox
(studies.services.emails dispatches them)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from studies.models import SafetyEvent, StudyMembership
from studies.permissions import CONTACT_ROLES, MANAGERS
from studies.services.mail_basics import NotSendable, found


def _safety_names(event: SafetyEvent) -> dict[str, str]:
    """What a team e-mail about a safety event names: the study, the participant's code and the links."""
    study, code = event.study, event.participant.code
    return {
        "study": study.title,
        "code": code,
        "url": settings.SITE_URL + reverse("studies:participant", args=[study.slug, code]),
        "follow_up_url": settings.SITE_URL + reverse("studies:safety", args=[study.slug]) + f"#event-{event.id}",
    }


def _utc(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment is not None else "?"


def _alert_body(event: SafetyEvent) -> str:
    """What happened, by kind: which risk item, the outcome an interviewer recorded, or that the participant asked
    for support and stopped. Never an answer, a note or anything the person said. Call inside the language."""
    names = {**_safety_names(event), "item": event.question_key, "outcome": event.get_outcome_display()}
    names["when"] = _utc(event.marked_at or event.created_at)
    if event.kind == SafetyEvent.Kind.INTERVIEW_DISTRESS:
        text = _(
            "The interviewer marked distress during the interview with participant %(code)s of the study "
            '"%(study)s" on %(when)s; outcome: %(outcome)s.\n\n'
            "Please follow the study's safety protocol. Details (for team members signed in): %(url)s\n"
            "Record the follow-up on the safety page: %(follow_up_url)s\n"
        )
    elif event.kind == SafetyEvent.Kind.PARTICIPANT_SUPPORT:
        text = _(
            'Participant %(code)s of the study "%(study)s" asked for support in their voice interview and stopped '
            "(%(when)s).\n\n"
            "Please follow the study's safety protocol. Details (for team members signed in): %(url)s\n"
            "Record the follow-up on the safety page: %(follow_up_url)s\n"
        )
    else:
        text = _(
            'Participant %(code)s of the study "%(study)s" answered the risk item "%(item)s" in a way '
            "that showed them crisis resources.\n\n"
            "Please follow the study's safety protocol. Details (for team members signed in): %(url)s\n"
            "Record the follow-up on the safety page: %(follow_up_url)s\n"
        )
    return text % names


def notify_safety_contact(safety_event_id: int) -> None:
    """Email the study's safety contacts what happened (`_alert_body`), never the content.

    The outbox's claim makes it once; the event's notified_at is set only once the mail server took it.
    """
    event = found(SafetyEvent.objects.select_related("study", "participant").filter(id=safety_event_id).first())
    recipients = [contact.email for contact in event.study.safety_contacts.exclude(email="")]
    if not recipients:
        raise NotSendable("no_address")
    with translation.override(settings.LANGUAGE_CODE):  # the team's email: the site's language
        send_mail(
            subject=_("Safety alert: %(study)s, participant %(code)s") % _safety_names(event),
            message=_alert_body(event),
            from_email=None,
            recipient_list=recipients,
        )
    SafetyEvent.objects.filter(id=safety_event_id, notified_at__isnull=True).update(notified_at=timezone.now())


def _follow_up_recipients(event: SafetyEvent) -> list[str]:
    """The assignee while they are still on the team with a role that meets people; else every owner and
    researcher. Nobody who left the study is told about its participants."""
    members = StudyMembership.objects.filter(study_id=event.study_id, user__is_active=True)
    assignee = event.follow_up_assignee_id
    if assignee is not None and members.filter(user_id=assignee, role__in=CONTACT_ROLES).exists():
        return list(members.filter(user_id=assignee).values_list("user__email", flat=True))
    return sorted(members.filter(role__in=MANAGERS).values_list("user__email", flat=True))


def send_follow_up_due(safety_event_id: int) -> None:
    """Remind the team that a safety event's follow-up is due (queued for its due time by the distress protocol).

    Skipped once the event is resolved (its row is gone when the person was erased). In the site's language;
    names the participant's code and the channel, never a note.
    """
    event = found(SafetyEvent.objects.select_related("study", "participant").filter(id=safety_event_id).first())
    if event.follow_up == SafetyEvent.FollowUp.RESOLVED or event.follow_up_due_at is None:
        raise NotSendable("not_applicable")
    recipients = _follow_up_recipients(event)
    if not recipients:
        raise NotSendable("no_address")
    with translation.override(settings.LANGUAGE_CODE):
        names = {
            **_safety_names(event),
            "due": _utc(event.follow_up_due_at),
            "channel": event.get_follow_up_channel_display() or _("as the study's protocol says"),
        }
        if event.interview_id is not None:  # the interview page: the person it was given to records it there
            page = reverse("transcription:interview", args=[event.study.slug, event.interview_id])
            names["follow_up_url"] = f"{settings.SITE_URL}{page}#event-{event.id}"
        send_mail(
            subject=_("Safety follow-up due: %(study)s, participant %(code)s") % names,
            message=_(
                'A follow-up for participant %(code)s of the study "%(study)s" is due (%(due)s), by: %(channel)s.\n\n'
                "Details (for team members signed in): %(url)s\n"
                "Record the follow-up as done here: %(follow_up_url)s\n"
            )
            % names,
            from_email=None,
            recipient_list=recipients,
        )
