"""Sending what the outbox holds, in the test's process: the sending task's service, called directly."""

from __future__ import annotations

from studies.models import OutboxMessage
from studies.services.emails import deliver_message


def send_queued(kind: str | None = None) -> list[str]:
    """Deliver every pending outbox message (of one kind, or all), oldest first; their new statuses."""
    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
    if kind is not None:
        pending = pending.filter(kind=kind)
    return [
        deliver_message(message_id=message_id) for message_id in pending.order_by("id").values_list("id", flat=True)
    ]
