"""Crisis resources for a country and language, and safety events for risk-item answers."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from studies.models import CrisisResource, Participant, SafetyEvent


def crisis_resources_for(*, country: str, language: str) -> list[CrisisResource]:
    """Resources for the country first, then the worldwide ones, in the person's language where one exists.

    A language-specific row replaces the language-neutral row of the same country and name (its translated
    twin); rows for other languages are left out.
    """
    rows = (
        CrisisResource.objects.filter(Q(country=country.upper()) | Q(country=""))
        .filter(Q(language="") | Q(language=language))
        .order_by("-country", "position", "name")
    )
    translated = {(row.country, row.name) for row in rows if row.language}
    return [row for row in rows if row.language or (row.country, row.name) not in translated]


def record_safety_events(*, participant: Participant, question_keys: list[str]) -> list[SafetyEvent]:
    """Log one event per triggered risk item and email the safety contact once committed.

    Must run inside the caller's transaction. The event holds the question key, never the answer.
    """
    from studies.tasks import notify_safety_contact

    events = [
        SafetyEvent.objects.create(study_id=participant.study_id, participant=participant, question_key=key)
        for key in question_keys
    ]
    for event in events:
        event_id = event.id
        transaction.on_commit(lambda event_id=event_id: notify_safety_contact.delay(event_id))  # type: ignore[misc]
    return events
