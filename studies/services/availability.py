"""Recurring availability: "Mondays and Thursdays, 9:00 to 12:00, 45-minute slots with 15 minutes between, from
1 March to 30 April" becomes the slots it describes, published in one transaction.

Times are the team member's wall-clock times in their own zone: each day's slots are laid out on the wall clock and
only then converted to UTC, so a change to or from daylight saving time moves nothing (a 9:00 slot stays at 9:00,
before and after). A wall time that does not exist that day (inside the hour the clocks skip) is left out and
counted. The rules of studies.services.slots hold: no slots in closed studies, no overlap for one interviewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import record_event
from studies.models import Slot, Study
from studies.services.slots import (
    SlotError,
    SlotTerms,
    check_meeting,
    check_open,
    existing_spans,
    lock_study,
    overlaps,
    slot_fields,
)

MAX_SLOTS = 500
MAX_RANGE_DAYS = 183  # about six months


@dataclass(frozen=True)
class Availability:
    weekdays: frozenset[int]  # 0 is Monday, as date.weekday()
    day_start: time
    day_end: time
    slot_minutes: int
    buffer_minutes: int
    first_day: date
    last_day: date
    zone: ZoneInfo


@dataclass(frozen=True)
class Plan:
    """The slots to publish (UTC starts) and how many of the described ones were left out, and why."""

    starts: list[datetime]
    overlapping: int
    past: int
    nonexistent: int


def _exists(moment: datetime) -> bool:
    """False for a wall time inside a clock change's gap (zoneinfo would quietly move it by an hour)."""
    zone = moment.tzinfo
    return moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == moment.replace(tzinfo=None)


def wall_clock_starts(availability: Availability) -> tuple[list[datetime], int]:
    """Every start the availability describes, in UTC, and how many wall times did not exist."""
    if availability.last_day < availability.first_day:
        raise SlotError(_("The last day is before the first day."))
    if (availability.last_day - availability.first_day).days > MAX_RANGE_DAYS:
        raise SlotError(_("Choose a date range of at most six months."))
    length = timedelta(minutes=availability.slot_minutes)
    step = length + timedelta(minutes=availability.buffer_minutes)
    starts: list[datetime] = []
    nonexistent = 0
    for offset in range((availability.last_day - availability.first_day).days + 1):
        day = availability.first_day + timedelta(days=offset)
        if day.weekday() not in availability.weekdays:
            continue
        wall, close = datetime.combine(day, availability.day_start), datetime.combine(day, availability.day_end)
        while wall + length <= close:
            local = wall.replace(tzinfo=availability.zone)
            if _exists(local):
                starts.append(local.astimezone(UTC))
            else:
                nonexistent += 1
            wall += step
    return starts, nonexistent


def plan_availability(
    *, study: Study, availability: Availability, terms: SlotTerms, now: datetime | None = None
) -> Plan:
    """The slots the availability describes, less those in the past and those that overlap (no other checks)."""
    described, nonexistent = wall_clock_starts(availability)
    if not described:
        raise SlotError(_("These settings describe no slots: check the weekdays, the hours and the dates."))
    now = now or timezone.now()
    future = [start for start in described if start > now]
    minutes = availability.slot_minutes
    spans = existing_spans(
        study=study,
        interviewer=terms.interviewer,
        since=min(described),
        until=max(described) + timedelta(minutes=minutes),
    )
    clashing = {start for start, _minutes in overlaps([(start, minutes) for start in future], spans)}
    kept = _one_after_another([start for start in future if start not in clashing], minutes)
    overlapping = len(future) - len(kept)
    return Plan(kept, overlapping, len(described) - len(future), nonexistent)


def _one_after_another(starts: list[datetime], minutes: int) -> list[datetime]:
    """The starts in time order, less each one that begins before the slot kept before it ends. Laid out on the wall
    clock, the slots never overlap, except across the hour the clocks skip: a 90-minute slot at 1:30 runs until 4:00
    by the clock that night, past the next one at 3:00."""
    kept: list[datetime] = []
    for start in sorted(starts):
        if not kept or kept[-1] + timedelta(minutes=minutes) <= start:
            kept.append(start)
    return kept


def preview_availability(*, study: Study, availability: Availability, terms: SlotTerms) -> Plan:
    """What publishing would do, without writing anything; SlotError for everything publishing would refuse: a
    closed study, meeting terms that cannot work, a range over six months, more than MAX_SLOTS slots."""
    check_open(study)
    check_meeting(study=study, terms=terms)
    plan = plan_availability(study=study, availability=availability, terms=terms)
    if len(plan.starts) > MAX_SLOTS:
        raise SlotError(too_many_message(len(plan.starts)))
    return plan


@transaction.atomic
def publish_availability(
    *, study: Study, availability: Availability, terms: SlotTerms, request: HttpRequest | None
) -> Plan:
    """Publish every slot the availability describes that is in the future and overlaps nothing, all at once, or
    nothing (SlotError, as `preview_availability`). The study row is locked first, so the overlap check holds."""
    study = lock_study(study)
    plan = preview_availability(study=study, availability=availability, terms=terms)
    fields = slot_fields(terms)
    rows = Slot.objects.bulk_create(
        Slot(study=study, start=start, duration_minutes=availability.slot_minutes, **fields) for start in plan.starts
    )
    if rows:
        detail = {"count": len(rows), "skipped_overlapping": plan.overlapping, "slot_ids": [row.pk for row in rows]}
        record_event(action="slot.created", request=request, study_id=study.pk, detail=detail)
    return plan


def too_many_message(count: int) -> str:
    return ngettext(
        "These settings make %(count)d slot; at most %(limit)d can be published at once. Choose a shorter date "
        "range or fewer days.",
        "These settings make %(count)d slots; at most %(limit)d can be published at once. Choose a shorter date "
        "range or fewer days.",
        count,
    ) % {"count": count, "limit": MAX_SLOTS}
