"""Rendering and sending the outbox's messages: one sender per kind, each the body of the task that used to send
that e-mail (same content, language and conditions). studies.tasks.send_outbox_message calls deliver_message.

A sender raises NotSendable with a reason code when there is nothing to send (permanent); a mail-server or
network error (smtplib.SMTPException, OSError) is transient and propagates to deliver_message.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import UTC

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, send_mail
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from studies.models import (
    Consent,
    Incentive,
    Interview,
    OutboxMessage,
    Participant,
    StudyMembership,
    TeamInvitation,
)
from studies.services import message_wording as wording
from studies.services import outbox
from studies.services import questionnaire_notices as notices
from studies.services.consent import consent_pdf
from studies.services.invitations import invitation_url
from studies.services.mail_basics import NotSendable, address_of, found
from studies.services.portal import portal_url, questionnaire_url
from studies.services.safety_emails import notify_safety_contact, send_follow_up_due
from studies.services.scheduling import interview_ics, joining_details, local_time

logger = logging.getLogger(__name__)
Kind = OutboxMessage.Kind


def send_membership_email(membership_id: int) -> None:
    """Tell a team member about their role on a study (no participant data in the message).

    Team members have no language setting, so team emails are written in the site's language (LANGUAGE_CODE),
    whatever language happened to be active where the task runs.
    """
    membership = found(StudyMembership.objects.select_related("study", "user").filter(id=membership_id).first())
    url = settings.SITE_URL + reverse("studies:detail", args=[membership.study.slug])
    with translation.override(settings.LANGUAGE_CODE):
        names = {"study": membership.study.title, "role": membership.get_role_display(), "url": url}
        send_mail(
            subject=_('Your role on "%(study)s": %(role)s') % names,
            message=_('You now have the role %(role)s on the study "%(study)s".\n\nOpen it: %(url)s\n') % names,
            from_email=None,
            recipient_list=[membership.user.email],
        )


def send_team_invitation_email(invitation_id: int) -> None:
    """Invite someone to a study's team with the link that lets them join; nothing about participants in it.

    In the site's language: the person may have no account, and so no language of their own. Rendered when sent,
    so the link carries the invitation's current nonce (a message queued before a resend still works), and an
    invitation accepted, revoked or expired meanwhile is not sent.
    """
    invitation = found(TeamInvitation.objects.select_related("study", "invited_by").filter(id=invitation_id).first())
    if invitation.accepted_at is not None:
        raise NotSendable("accepted")
    if invitation.revoked_at is not None:
        raise NotSendable("revoked")
    if invitation.expires_at <= timezone.now():
        raise NotSendable("expired")
    inviter = invitation.invited_by
    with translation.override(settings.LANGUAGE_CODE):
        names = {
            "study": invitation.study.title,
            "inviter": (inviter.display_name or inviter.email) if inviter else _("A member of the study's team"),
            "role": invitation.get_role_display(),
            "expires": f"{invitation.expires_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
            "url": invitation_url(invitation),
        }
        send_mail(
            subject=_('Invitation to the team of the study "%(study)s"') % names,
            message=_(
                '%(inviter)s invites you to join the team of the study "%(study)s" with the role %(role)s.\n\n'
                "Accept the invitation here (the link works once, until %(expires)s):\n%(url)s\n\n"
                "If you did not expect this invitation, you can ignore this e-mail.\n"
            )
            % names,
            from_email=None,
            recipient_list=[invitation.email],
        )


def send_invitation_email(participant_id: int) -> None:
    """Invite a selected participant with a magic link to their portal, in their language (the team's wording when
    it saved one)."""
    send_participant_message(participant_id, Kind.INVITATION)


def send_participant_message(participant_id: int, kind: str) -> None:
    """A message the team may word (studies.services.message_wording): the invitation, the reminders, the invitation
    to book again after a missed interview and the team's own message. In the person's language, the team's wording
    when saved in it, else the platform's; {link} is a fresh link to their portal. Skipped when the person has moved
    past the stage it is for, or (the team's message) when its wording was deleted meanwhile."""
    participant = found(Participant.objects.select_related("study", "contact").filter(id=participant_id).first())
    email = address_of(participant)
    stages = wording.APPLIES_TO[kind]
    if stages is not None and participant.status not in stages:
        raise NotSendable("not_applicable")
    message = wording.compose(participant=participant, kind=kind)
    if message is None:
        raise NotSendable("not_applicable")
    send_mail(subject=message.subject, message=message.body, from_email=None, recipient_list=[email])


def send_consent_copy(consent_id: int) -> None:
    """Email the participant a PDF copy of what they signed."""
    consent = found(
        Consent.objects.select_related("document", "participant__contact", "participant__study")
        .filter(id=consent_id)
        .first()
    )
    participant = consent.participant
    email = address_of(participant)
    with translation.override(participant.language):
        message = EmailMessage(
            subject=_("Your consent copy: %(study)s") % {"study": participant.study.title},
            body=_("Thank you for taking part. A copy of the consent form you signed is attached."),
            to=[email],
        )
        message.attach(f"consent-{participant.code}.pdf", consent_pdf(consent), "application/pdf")
        message.send()


def send_reconsent_request(participant_id: int) -> None:
    """Ask a participant to read and sign the new version of the consent form."""
    participant = found(Participant.objects.select_related("study", "contact").filter(id=participant_id).first())
    email = address_of(participant)
    with translation.override(participant.language):
        send_mail(
            subject=_("Please review the updated consent form: %(study)s") % {"study": participant.study.title},
            message=_('The consent form of the study "%(study)s" has changed. Please read it and sign again:\n%(url)s')
            % {"study": participant.study.title, "url": portal_url(participant=participant)},
            from_email=None,
            recipient_list=[email],
        )


def _usable_email(participant: Participant) -> str:
    email = participant.contact.email if hasattr(participant, "contact") else ""
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def send_questionnaire_due_email(participant_id: int, questionnaire_id: int) -> None:
    """Tell a participant, in their language, that a questionnaire is waiting, with a link that opens it.

    At most once per person and questionnaire (a claimed notice row); the message names neither the
    questionnaire's kind nor its title, and carries no answers.
    """
    participant = found(Participant.objects.select_related("study", "contact").filter(id=participant_id).first())
    notice = notices.claim_notice(participant=participant, questionnaire_id=questionnaire_id)
    if notice is None:
        raise NotSendable("not_applicable")  # not due, or already handled
    email = _usable_email(participant)
    if not email:
        raise NotSendable("no_address")  # the claim stays, so nobody is asked again by email
    with translation.override(participant.language):
        names = {
            "study": participant.study.title,
            "url": questionnaire_url(participant=participant, questionnaire_id=questionnaire_id),
        }
        subject = _("A short questionnaire is waiting for you: %(study)s") % names
        body = _(
            'Thank you for taking part in the study "%(study)s". A short questionnaire is now ready for you.\n\n'
            "Open it here:\n%(url)s\n\nThis link is personal; please do not share it."
        )
        try:
            send_mail(subject=subject, message=body % names, from_email=None, recipient_list=[email])
        except (smtplib.SMTPException, OSError):
            notices.release_notice(notice=notice)
            raise
    notices.mark_notice_sent(notice=notice)


def _interview_email(interview: Interview, subject: str, body: str, *, calendar: bool) -> EmailMessage:
    message = EmailMessage(subject=subject, body=body, to=[address_of(interview.participant)])
    if calendar:
        message.attach("interview.ics", interview_ics(interview), "text/calendar")
    return message


def _interview(interview_id: int) -> Interview:
    return found(
        Interview.objects.select_related("participant__contact", "study", "slot").filter(id=interview_id).first()
    )


def send_booking_confirmation(interview_id: int) -> None:
    """Confirm a booking with the time in the participant's zone and an .ics attachment."""
    interview = _interview(interview_id)
    if interview.status != Interview.Status.SCHEDULED or interview.scheduled_start is None:
        raise NotSendable("not_applicable")  # cancelled or rescheduled before it went out
    participant = interview.participant
    zone = participant.time_zone or "UTC"
    with translation.override(participant.language):
        when = f"{local_time(interview.scheduled_start, zone):%Y-%m-%d %H:%M} ({zone})"
        body = _('Your interview for "%(study)s" is booked for %(when)s.\n\nYour page: %(url)s') % {
            "study": interview.study.title,
            "when": when,
            "url": portal_url(participant=participant),
        }
        if joining := joining_details(interview):
            body += "\n\n" + _("How to join: %(details)s") % {"details": joining}
        _interview_email(interview, _("Interview booked"), body, calendar=True).send()


def send_reminder(interview_id: int, hours: int) -> None:
    """A reminder 24 or 1 hour(s) before; nothing sensitive in it."""
    interview = _interview(interview_id)
    participant = interview.participant
    with translation.override(participant.language):
        body = _("A reminder: your research interview starts in about %(hours)s hour(s). Details: %(url)s") % {
            "hours": hours,
            "url": portal_url(participant=participant),
        }
        # No calendar file: its title names the study, and a reminder carries nothing sensitive.
        _interview_email(interview, _("Interview reminder"), body, calendar=False).send()


def send_portal_link(participant_id: int) -> None:
    """A fresh link to the participant's portal, asked for on the "link cannot be used" page."""
    participant = found(Participant.objects.select_related("study", "contact").filter(id=participant_id).first())
    email = address_of(participant)
    with translation.override(participant.language):
        send_mail(
            subject=_("Your link to: %(study)s") % {"study": participant.study.title},
            message=_(
                'Here is a new link to your personal page for the study "%(study)s":\n%(url)s\n\n'
                "It works once and replaces the links we sent before. If you did not ask for it, you can ignore "
                "this email."
            )
            % {"study": participant.study.title, "url": portal_url(participant=participant)},
            from_email=None,
            recipient_list=[email],
        )


def send_incentive_paid(incentive_id: int) -> None:
    """Tell a participant, in their language, that a payment for taking part was sent and to open their page for the
    details. Never the gift-card code or the reference: a mailbox is not the place for them."""
    incentive = found(
        Incentive.objects.select_related("participant__contact", "participant__study").filter(id=incentive_id).first()
    )
    participant = incentive.participant
    email = address_of(participant)
    if incentive.status != Incentive.Status.PAID:
        raise NotSendable("not_applicable")
    with translation.override(participant.language):
        names = {"study": participant.study.title, "url": portal_url(participant=participant)}
        send_mail(
            subject=_("A payment was sent to you: %(study)s") % names,
            message=_(
                'Thank you for taking part in the study "%(study)s". The research team has sent you a payment.\n\n'
                "Open your personal page to see the details:\n%(url)s\n\nThis link is personal; please do not share it."
            )
            % names,
            from_email=None,
            recipient_list=[email],
        )


# Participant e-mails whose details live in an app above studies (review: a transcript to check, with its deadline).
Composer = Callable[[OutboxMessage, Participant], tuple[str, str]]
_composers: dict[str, Composer] = {}


def register_composer(kind: str, composer: Composer) -> None:
    """Let an app above this one word a participant e-mail from rows studies may not read (it registers from its
    AppConfig.ready). The composer runs in the participant's language and returns (subject, body), or raises
    NotSendable; the address, withdrawal and sending stay here."""
    _composers[kind] = composer


def send_composed(message: OutboxMessage) -> None:
    """Send a registered kind to the row's participant, in their language."""
    participant = found(
        Participant.objects.select_related("study", "contact").filter(id=_id(message.participant_id)).first()
    )
    email = address_of(participant)
    composer = _composers.get(message.kind)
    if composer is None:  # the app that words it is not installed
        raise NotSendable("not_applicable")
    with translation.override(participant.language):
        subject, body = composer(message, participant)
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[email])


def _sender(message: OutboxMessage) -> Callable[[], None]:
    m = message
    senders: dict[str, Callable[[], None]] = {
        Kind.INVITATION: lambda: send_invitation_email(_id(m.participant_id)),
        Kind.CONSENT_COPY: lambda: send_consent_copy(_id(m.consent_id)),
        Kind.RECONSENT: lambda: send_reconsent_request(_id(m.participant_id)),
        Kind.BOOKING_CONFIRMATION: lambda: send_booking_confirmation(_id(m.interview_id)),
        Kind.REMINDER: lambda: send_reminder(_id(m.interview_id), m.reminder_hours or 24),
        Kind.MEMBERSHIP: lambda: send_membership_email(_id(m.membership_id)),
        Kind.SAFETY_ALERT: lambda: notify_safety_contact(_id(m.safety_event_id)),
        Kind.FOLLOW_UP_DUE: lambda: send_follow_up_due(_id(m.safety_event_id)),
        Kind.QUESTIONNAIRE_DUE: lambda: send_questionnaire_due_email(_id(m.participant_id), _id(m.questionnaire_id)),
        Kind.PORTAL_LINK: lambda: send_portal_link(_id(m.participant_id)),
        Kind.TEAM_INVITATION: lambda: send_team_invitation_email(_id(m.team_invitation_id)),
        Kind.NUDGE_CONSENT: lambda: send_participant_message(_id(m.participant_id), Kind.NUDGE_CONSENT),
        Kind.NUDGE_BOOKING: lambda: send_participant_message(_id(m.participant_id), Kind.NUDGE_BOOKING),
        Kind.NO_SHOW: lambda: send_participant_message(_id(m.participant_id), Kind.NO_SHOW),
        Kind.TEAM_MESSAGE: lambda: send_participant_message(_id(m.participant_id), Kind.TEAM_MESSAGE),
        Kind.INCENTIVE_PAID: lambda: send_incentive_paid(_id(m.incentive_id)),
        Kind.MEMBER_CHECK: lambda: send_composed(m),
    }
    return senders[m.kind]


def _id(value: int | None) -> int:
    if value is None:  # the row it named was erased (the foreign keys cascade, so this is a defence only)
        raise NotSendable("gone")
    return value


def deliver_message(*, message_id: int) -> str:
    """Claim one outbox row, render and send it, and record the outcome; returns the row's new status ("" when
    another sender had it or it was done already). Runs outside any transaction: the mail server is slow."""
    if not outbox.claim_message(message_id=message_id):
        return ""
    message = OutboxMessage.objects.filter(id=message_id).first()
    if message is None:  # erased with the person it was for, between the claim and now
        return ""
    try:
        _sender(message)()
    except NotSendable as skipped:
        outbox.finish_message(message_id=message_id, sent=False, reason=skipped.reason)
        return OutboxMessage.Status.SKIPPED
    except (smtplib.SMTPException, OSError) as error:
        code = "smtp" if isinstance(error, smtplib.SMTPException) else "connection"
        logger.warning("outbox message %s not sent (%s)", message_id, type(error).__name__)
        return outbox.release_message(message_id=message_id, error=code)
    outbox.finish_message(message_id=message_id, sent=True)
    return OutboxMessage.Status.SENT
