"""A slot of zero minutes is refused with a sentence that says what to type, on every form of the slots page, never
with the database's "Constraint slot_has_duration is violated" (issue #23); nothing is written."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from studies.models import Slot, Study
from studies.tests.factories import SlotFactory
from studies.tests.test_slot_setup import one_slot, signed_in, slots_url, weekly

pytestmark = pytest.mark.django_db

SENTENCE = "Ensure this value is greater than or equal to 5."


def refused(response: Any) -> str:
    assert response.status_code == 400
    page = str(response.content.decode())
    assert "Constraint" not in page
    assert "slot_has_duration" not in page
    assert "data-error-summary" in page
    return page


@pytest.mark.parametrize("minutes", ["0", "-30"])
def test_a_new_slot_of_zero_minutes_gets_a_sentence(study: Study, researcher: User, minutes: str) -> None:
    response = signed_in(researcher).post(slots_url(study), one_slot("2031-01-15T09:00", duration_minutes=minutes))
    page = refused(response)
    assert SENTENCE in page
    assert 'value="2031-01-15T09:00"' in page  # what was typed stays
    assert not Slot.objects.exists()


def test_an_edited_slot_of_zero_minutes_gets_a_sentence_and_keeps_its_length(study: Study, researcher: User) -> None:
    slot = SlotFactory(study=study, start=datetime(2031, 1, 15, 14, 0, tzinfo=UTC), duration_minutes=60)
    url = reverse("studies:slot", args=[study.slug, slot.pk])
    page = refused(signed_in(researcher).post(url, one_slot("2031-01-15T14:00", duration_minutes="0")))
    assert SENTENCE in page
    slot.refresh_from_db()
    assert slot.duration_minutes == 60


def test_recurring_availability_of_zero_minute_slots_gets_a_sentence(study: Study, researcher: User) -> None:
    page = refused(signed_in(researcher).post(slots_url(study, "slots_recurring"), weekly(slot_minutes="0")))
    assert SENTENCE in page
    assert not Slot.objects.exists()
