"""Celery tasks of the studies app: ids in, one service call each."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, send_mail
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from studies.models import Consent, Interview, Participant, SafetyEvent, StudyMembership
from studies.services import questionnaire_notices as notices
from studies.services.consent import consent_pdf
from studies.services.portal import portal_url, questionnaire_url
from studies.services.retention import apply_retention
from studies.services.scheduling import claim_reminder, due_reminders, interview_ics, local_time


@shared_task(ignore_result=True)
def send_membership_email(membership_id: int) -> None:
    """Tell a team member about their role on a study (no participant data in the message).

    Team members have no language setting, so team emails are written in the site's language (LANGUAGE_CODE),
    whatever language happened to be active where the task runs.
    """
    membership = StudyMembership.objects.select_related("study", "user").filter(id=membership_id).first()
    if membership is None:
        return
    url = settings.SITE_URL + reverse("studies:detail", args=[membership.study.slug])
    with translation.override(settings.LANGUAGE_CODE):
        names = {"study": membership.study.title, "role": membership.get_role_display(), "url": url}
        send_mail(
            subject=_('Your role on "%(study)s": %(role)s') % names,
            message=_('You now have the role %(role)s on the study "%(study)s".\n\nOpen it: %(url)s\n') % names,
            from_email=None,
            recipient_list=[membership.user.email],
        )


class SafetyAlertNotSent(Exception):
    """The mail server did not take the safety alert (transient): the task retries."""


@shared_task(ignore_result=True, autoretry_for=(SafetyAlertNotSent,), retry_backoff=30, max_retries=20)
def notify_safety_contact(safety_event_id: int) -> None:
    """Email the study's safety contact that a participant answered a risk item. Never quotes the answer.

    The event is claimed first (a re-delivered task sends nothing more); if sending fails the claim is
    released and the task retries, so an alert is not lost to a mail-server hiccup.
    """
    claimed = SafetyEvent.objects.filter(id=safety_event_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    event = SafetyEvent.objects.select_related("study", "participant").filter(id=safety_event_id).first()
    if not claimed or event is None or not event.study.safety_contact_email:
        return
    study, code = event.study, event.participant.code
    names = {
        "study": study.title,
        "code": code,
        "item": event.question_key,
        "url": settings.SITE_URL + reverse("studies:participant", args=[study.slug, code]),
        "follow_up_url": settings.SITE_URL + reverse("studies:safety", args=[study.slug]) + f"#event-{event.id}",
    }
    try:
        with translation.override(settings.LANGUAGE_CODE):  # the team's email: the site's language
            send_mail(
                subject=_("Safety alert: %(study)s, participant %(code)s") % names,
                message=_(
                    'Participant %(code)s of the study "%(study)s" answered the risk item "%(item)s" in a way '
                    "that showed them crisis resources.\n\n"
                    "Please follow the study's safety protocol. Details (for team members signed in): %(url)s\n"
                    "Record the follow-up on the safety page: %(follow_up_url)s\n"
                )
                % names,
                from_email=None,
                recipient_list=[study.safety_contact_email],
            )
    except (smtplib.SMTPException, OSError) as error:
        SafetyEvent.objects.filter(id=safety_event_id).update(notified_at=None)
        raise SafetyAlertNotSent from error


@shared_task(ignore_result=True)
def send_invitation_email(participant_id: int) -> None:
    """Invite a selected participant with a magic link to their portal, in their language."""
    participant = Participant.objects.select_related("study", "contact").filter(id=participant_id).first()
    if participant is None or participant.status != Participant.Status.INVITED or not participant.contact.email:
        return
    with translation.override(participant.language):
        send_mail(
            subject=_("Your invitation: %(study)s") % {"study": participant.study.title},
            message=_(
                'Thank you for your interest in the study "%(study)s". You can take part.\n\n'
                "Open your personal page to read the consent information and choose an interview time:\n"
                "%(url)s\n\nThis link is personal; please do not share it."
            )
            % {"study": participant.study.title, "url": portal_url(participant=participant)},
            from_email=None,
            recipient_list=[participant.contact.email],
        )


@shared_task(ignore_result=True)
def send_consent_copy(consent_id: int) -> None:
    """Email the participant a PDF copy of what they signed."""
    consent = (
        Consent.objects.select_related("document", "participant__contact", "participant__study")
        .filter(id=consent_id)
        .first()
    )
    if consent is None or not hasattr(consent.participant, "contact") or not consent.participant.contact.email:
        return
    participant = consent.participant
    with translation.override(participant.language):
        message = EmailMessage(
            subject=_("Your consent copy: %(study)s") % {"study": participant.study.title},
            body=_("Thank you for taking part. A copy of the consent form you signed is attached."),
            to=[participant.contact.email],
        )
        message.attach(f"consent-{participant.code}.pdf", consent_pdf(consent), "application/pdf")
        message.send()


@shared_task(ignore_result=True)
def send_reconsent_request(participant_id: int) -> None:
    """Ask a participant to read and sign the new version of the consent form."""
    participant = Participant.objects.select_related("study", "contact").filter(id=participant_id).first()
    if participant is None or not hasattr(participant, "contact") or not participant.contact.email:
        return
    with translation.override(participant.language):
        send_mail(
            subject=_("Please review the updated consent form: %(study)s") % {"study": participant.study.title},
            message=_('The consent form of the study "%(study)s" has changed. Please read it and sign again:\n%(url)s')
            % {"study": participant.study.title, "url": portal_url(participant=participant)},
            from_email=None,
            recipient_list=[participant.contact.email],
        )


class QuestionnaireEmailNotSent(Exception):
    """The mail server did not take a "questionnaire due" email (transient): the task retries."""


def _usable_email(participant: Participant) -> str:
    email = participant.contact.email if hasattr(participant, "contact") else ""
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


@shared_task(ignore_result=True, autoretry_for=(QuestionnaireEmailNotSent,), retry_backoff=60, max_retries=10)
def send_questionnaire_due_email(participant_id: int, questionnaire_id: int) -> None:
    """Tell a participant, in their language, that a questionnaire is waiting, with a link that opens it.

    At most once per person and questionnaire (a claimed notice row); the message names neither the
    questionnaire's kind nor its title, and carries no answers.
    """
    participant = Participant.objects.select_related("study", "contact").filter(id=participant_id).first()
    if participant is None:
        return
    notice = notices.claim_notice(participant=participant, questionnaire_id=questionnaire_id)
    email = _usable_email(participant) if notice is not None else ""
    if notice is None or not email:
        return  # not due, already handled, or no address: the claim stays, so nobody is asked again by email
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
        except (smtplib.SMTPException, OSError) as error:
            notices.release_notice(notice=notice)
            raise QuestionnaireEmailNotSent from error
    notices.mark_notice_sent(notice=notice)


@shared_task(ignore_result=True)
def announce_due_questionnaires(participant_id: int) -> None:
    """After a stage change: queue one email per questionnaire that became due for this participant."""
    _queue_due_emails(participant_id)


@shared_task(ignore_result=True)
def queue_due_questionnaire_emails() -> None:
    """Beat: catch pairs that became due without a stage change (a questionnaire added later). Idempotent:
    announced pairs are skipped, and a pair queued twice is claimed once."""
    _queue_due_emails(None)


def _queue_due_emails(participant_id: int | None) -> None:
    for pid, questionnaire_id in notices.unannounced_pairs(participant_id=participant_id):
        send_questionnaire_due_email.delay(pid, questionnaire_id)


def _interview_email(interview: Interview, subject: str, body: str, *, calendar: bool) -> EmailMessage | None:
    participant = interview.participant
    if not hasattr(participant, "contact") or not participant.contact.email:
        return None
    message = EmailMessage(subject=subject, body=body, to=[participant.contact.email])
    if calendar:
        message.attach("interview.ics", interview_ics(interview), "text/calendar")
    return message


@shared_task(ignore_result=True)
def send_booking_confirmation(interview_id: int) -> None:
    """Confirm a booking with the time in the participant's zone and an .ics attachment."""
    interview = (
        Interview.objects.select_related("participant__contact", "study", "slot").filter(id=interview_id).first()
    )
    if interview is None or interview.status != Interview.Status.SCHEDULED or interview.scheduled_start is None:
        return
    participant = interview.participant
    zone = participant.time_zone or "UTC"
    with translation.override(participant.language):
        when = f"{local_time(interview.scheduled_start, zone):%Y-%m-%d %H:%M} ({zone})"
        body = _('Your interview for "%(study)s" is booked for %(when)s.\n\nYour page: %(url)s') % {
            "study": interview.study.title,
            "when": when,
            "url": portal_url(participant=participant),
        }
        message = _interview_email(interview, _("Interview booked"), body, calendar=True)
        if message is not None:
            message.send()


@shared_task(ignore_result=True)
def send_interview_reminders() -> None:
    """Beat, every few minutes: reminders 24 hours and 1 hour before. No sensitive content in them."""
    now = timezone.now()
    for hours in (1, 24):
        for interview_id in due_reminders(now=now, hours=hours).values_list("id", flat=True):
            if claim_reminder(interview_id=interview_id, hours=hours, now=now):
                send_reminder(interview_id, hours)


def send_reminder(interview_id: int, hours: int) -> None:
    interview = Interview.objects.select_related("participant__contact", "study", "slot").get(id=interview_id)
    participant = interview.participant
    with translation.override(participant.language):
        body = _("A reminder: your research interview starts in about %(hours)s hour(s). Details: %(url)s") % {
            "hours": hours,
            "url": portal_url(participant=participant),
        }
        # No calendar file: its title names the study, and a reminder carries nothing sensitive.
        message = _interview_email(interview, _("Interview reminder"), body, calendar=False)
        if message is not None:
            message.send()


@shared_task(ignore_result=True)
def apply_retention_policies() -> None:
    """Daily: each study's retention settings (raw audio after approval, contact details after closing)."""
    apply_retention()


@shared_task(ignore_result=True)
def send_portal_link(participant_id: int) -> None:
    """A fresh link to the participant's portal, asked for on the "link cannot be used" page."""
    participant = Participant.objects.select_related("study", "contact").filter(id=participant_id).first()
    if participant is None or participant.status == Participant.Status.WITHDRAWN or not participant.contact.email:
        return
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
            recipient_list=[participant.contact.email],
        )
