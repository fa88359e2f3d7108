"""Celery tasks of the studies app: ids in, one service call each."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from studies.models import StudyMembership


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
