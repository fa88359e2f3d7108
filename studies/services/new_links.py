"""A fresh portal link for a participant whose link was used up, expired or lost (self-service, by e-mail)."""

from __future__ import annotations

from django.db import transaction

from config.crypto import keyed_hash
from studies.models import Participant
from studies.tasks import send_portal_link

# Statuses whose holders have been given a portal: a new link is sent only to them.
PORTAL_STATUSES = (
    Participant.Status.INVITED,
    Participant.Status.CONSENTED,
    Participant.Status.SCHEDULED,
    Participant.Status.INTERVIEWED,
)


def request_new_links(*, email: str) -> None:
    """E-mail a fresh portal link to each taking-part participant whose contact address is `email`.

    The caller answers the same whether or not there was one, so the form tells no one who takes part.
    """
    participants = Participant.objects.filter(contact__email_hash=keyed_hash(email), status__in=PORTAL_STATUSES)
    for participant_id in participants.values_list("id", flat=True):
        transaction.on_commit(lambda pid=participant_id: send_portal_link.delay(pid))  # type: ignore[misc]
