"""Celery tasks of the studies app: ids in, one service call each."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from studies.models import Participant, SafetyEvent, StudyMembership
from studies.services.portal import portal_url


@shared_task(ignore_result=True)
def send_membership_email(membership_id: int) -> None:
    """Tell a team member about their role on a study (no participant data in the message)."""
    membership = StudyMembership.objects.select_related("study", "user").filter(id=membership_id).first()
    if membership is None:
        return
    url = settings.SITE_URL + reverse("studies:detail", args=[membership.study.slug])
    send_mail(
        subject=f"You are a {membership.get_role_display().lower()} on {membership.study.title}",
        message=f"You now have the role {membership.get_role_display()} on the study "
        f'"{membership.study.title}".\n\nOpen it: {url}\n',
        from_email=None,
        recipient_list=[membership.user.email],
    )


@shared_task(ignore_result=True)
def notify_safety_contact(safety_event_id: int) -> None:
    """Email the study's safety contact that a participant answered a risk item. Never quotes the answer."""
    claimed = SafetyEvent.objects.filter(id=safety_event_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    event = SafetyEvent.objects.select_related("study", "participant").filter(id=safety_event_id).first()
    if not claimed or event is None or not event.study.safety_contact_email:
        return
    url = settings.SITE_URL + reverse("studies:participant", args=[event.study.slug, event.participant.code])
    send_mail(
        subject=f"Safety alert: {event.study.title}, participant {event.participant.code}",
        message=(
            f'Participant {event.participant.code} of the study "{event.study.title}" answered the risk item '
            f'"{event.question_key}" in a way that showed them crisis resources.\n\n'
            f"Please follow the study's safety protocol. Details (for team members signed in): {url}\n"
        ),
        from_email=None,
        recipient_list=[event.study.safety_contact_email],
    )


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
