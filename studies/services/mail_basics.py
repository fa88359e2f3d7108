"""What every outbox sender shares: the permanent "nothing to send" error and the checks that raise it."""

from __future__ import annotations

from typing import TypeVar

from studies.models import Participant

T = TypeVar("T")


class NotSendable(Exception):
    """Nothing to send, for good: the reason is a code (gone, no_address, withdrawn, not_applicable)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def address_of(participant: Participant) -> str:
    """The participant's address, or NotSendable saying why there is none."""
    if participant.status == Participant.Status.WITHDRAWN:
        raise NotSendable("withdrawn")
    if not hasattr(participant, "contact") or not participant.contact.email:
        raise NotSendable("no_address")
    return participant.contact.email


def found(row: T | None) -> T:
    if row is None:
        raise NotSendable("gone")
    return row
