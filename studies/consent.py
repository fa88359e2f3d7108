"""Reads about consent that other apps rely on (the transcription consent gate among them)."""

from __future__ import annotations

from studies.models import Consent, Participant


def current_consent(participant: Participant) -> Consent | None:
    """The participant's latest signed consent that no newer document version has superseded."""
    return participant.consents.filter(superseded_at__isnull=True).order_by("-signed_at").first()


def consent_allows(participant: Participant, *items: str) -> bool:
    """True when the participant has not withdrawn and their current consent says yes to every item."""
    if participant.status == Participant.Status.WITHDRAWN:
        return False
    consent = current_consent(participant)
    return consent is not None and all(consent.choices.get(item) is True for item in items)
