"""A fresh portal link for a participant whose link was used up, expired or lost (self-service, by e-mail)."""

from __future__ import annotations

from django.db import transaction

from config.crypto import keyed_hash
from studies.models import OutboxMessage, Participant
from studies.services.outbox import queue_message

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
    with transaction.atomic():
        for participant_id in participants.values_list("id", flat=True):
            queue_message(kind=OutboxMessage.Kind.PORTAL_LINK, participant_id=participant_id)
