"""Interview slots a study team publishes, edits and deletes (one at a time or in bulk).

Rules that hold for every way a slot is written (here and in studies.services.availability):
- Closed and archived studies take no new or changed slots; their free slots can still be deleted, and a taken slot
  can still get another interviewer.
- A slot is *taken* once someone booked it (a scheduled or completed interview): it keeps its time, length, mode and
  meeting details, because the participant was told them; only its interviewer may change. It cannot be deleted.
- Two slots of one interviewer never overlap; slots nobody is assigned to count as one more person of the study, so
  publishing the same availability twice adds nothing.
- Meeting: fixed details (a link, a phone arrangement or a place) or a link generated per booking, which needs the
  study's video-call address and a video slot.
Writes lock the study row, so two team members publishing at once cannot both pass the overlap check. Callers have
checked the team member's role (studies.permissions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import User
from studies.models import Interview, Slot, Study

NO_NEW_SLOTS = (Study.Status.CLOSED, Study.Status.ARCHIVED)
TAKEN = (Interview.Status.SCHEDULED, Interview.Status.COMPLETED)
# A generated room is a video call; the other modes take fixed details.
SLOT_MODES = (Interview.Mode.VIDEO, Interview.Mode.PHONE, Interview.Mode.IN_PERSON)


class SlotError(Exception):
    """A slot change the rules refuse; the message is for the team member, in their language."""


class NoVideoCallAddress(SlotError):
    """Generated links were asked for, but the study has no video-call address (the page links to its settings)."""


@dataclass(frozen=True)
class SlotTerms:
    """What a slot offers, beside its time: how the interview happens and who leads it."""

    mode: str
    interviewer: User | None
    details: str
    generate_link: bool


def check_open(study: Study) -> None:
    if study.status in NO_NEW_SLOTS:
        raise SlotError(_("This study is closed or archived: it takes no new or changed slots."))


def check_meeting(*, study: Study, terms: SlotTerms) -> None:
    """Refuse meeting terms that cannot work (SlotError), before anything is written."""
    if not terms.generate_link:
        return
    if terms.details.strip():
        raise SlotError(_("Choose fixed meeting details or a link generated per booking, not both."))
    if terms.mode != Interview.Mode.VIDEO:
        raise SlotError(_("A generated link is for video calls: choose Video call, or enter the meeting details."))
    if not study.video_call_base_url:
        raise NoVideoCallAddress(
            _("This study has no video-call address yet, so no link can be generated. Add one in the study settings.")
        )


def taken_slots(study: Study) -> QuerySet[Slot]:
    return study.slots.filter(interviews__status__in=TAKEN).distinct()


def same_person_slots(*, study: Study, interviewer: User | None) -> QuerySet[Slot]:
    """The slots a new slot of `interviewer` must not overlap: theirs in every study (one person, one place), or the
    study's unassigned ones."""
    if interviewer is None:
        return study.slots.filter(interviewer__isnull=True)
    return Slot.objects.filter(interviewer=interviewer)


def overlaps(
    candidates: Iterable[tuple[datetime, int]], existing: Iterable[tuple[datetime, int]]
) -> list[tuple[datetime, int]]:
    """The candidates (start, minutes) that overlap any existing (start, minutes). Candidates by their end, existing
    slots by their start: one walk through both, not a comparison of every pair."""
    spans = sorted((start, start + timedelta(minutes=minutes)) for start, minutes in existing)
    clashing: list[tuple[datetime, int]] = []
    index, latest_end = 0, None
    for start, minutes in sorted(candidates, key=lambda pair: pair[0] + timedelta(minutes=pair[1])):
        end = start + timedelta(minutes=minutes)
        # The existing slots that start before this candidate ends (a growing set, since ends only grow): it overlaps
        # one of them exactly when the latest end among them is after its start.
        while index < len(spans) and spans[index][0] < end:
            latest_end = spans[index][1] if latest_end is None else max(latest_end, spans[index][1])
            index += 1
        if latest_end is not None and latest_end > start:
            clashing.append((start, minutes))
    return clashing


def existing_spans(
    *, study: Study, interviewer: User | None, since: datetime, until: datetime, exclude: int | None = None
) -> list[tuple[datetime, int]]:
    """(start, minutes) of the slots that could overlap anything between `since` and `until`."""
    rows = same_person_slots(study=study, interviewer=interviewer).filter(
        start__lt=until, start__gt=since - timedelta(days=1)
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return list(rows.values_list("start", "duration_minutes"))


def _check_no_overlap(
    *, study: Study, interviewer: User | None, start: datetime, minutes: int, exclude: int | None = None
) -> None:
    end = start + timedelta(minutes=minutes)
    spans = existing_spans(study=study, interviewer=interviewer, since=start, until=end, exclude=exclude)
    if overlaps([(start, minutes)], spans):
        raise SlotError(_("This time overlaps another slot of the same interviewer."))


def lock_study(study: Study) -> Study:
    return Study.objects.select_for_update().get(pk=study.pk)


@transaction.atomic
def publish_slot(
    *, study: Study, start: datetime, duration_minutes: int, terms: SlotTerms, request: HttpRequest | None
) -> Slot:
    """One new slot (SlotError when the study is closed, the meeting terms cannot work or it overlaps)."""
    study = lock_study(study)
    check_open(study)
    check_meeting(study=study, terms=terms)
    _check_no_overlap(study=study, interviewer=terms.interviewer, start=start, minutes=duration_minutes)
    slot = Slot.objects.create(study=study, start=start, duration_minutes=duration_minutes, **slot_fields(terms))
    record_event(action="slot.created", request=request, study_id=study.pk, target=slot, detail={"count": 1})
    return slot


def slot_fields(terms: SlotTerms) -> dict[str, Any]:
    return {
        "mode": terms.mode,
        "interviewer": terms.interviewer,
        "details": terms.details.strip(),
        "generate_link": terms.generate_link,
    }


@transaction.atomic
def edit_slot(
    *, slot: Slot, start: datetime, duration_minutes: int, terms: SlotTerms, request: HttpRequest | None
) -> Slot:
    """Change a slot. A taken slot changes its interviewer only (and its booked interview's with it); a free one
    changes anything, within the rules above."""
    study = lock_study(slot.study)
    slot = Slot.objects.select_for_update().get(pk=slot.pk, study=study)
    wanted = {"start": start, "duration_minutes": duration_minutes, **slot_fields(terms)}
    changed = sorted(name for name, value in wanted.items() if getattr(slot, name) != value)
    if not changed:
        return slot
    if slot.interviews.filter(status__in=TAKEN).exists():
        if changed != ["interviewer"]:
            raise SlotError(_("Someone has booked this slot: only its interviewer can change."))
        slot.interviews.filter(status=Interview.Status.SCHEDULED).update(interviewer=terms.interviewer)
    else:
        check_open(study)
        check_meeting(study=study, terms=terms)
        _check_no_overlap(
            study=study, interviewer=terms.interviewer, start=start, minutes=duration_minutes, exclude=slot.pk
        )
    for name in changed:
        setattr(slot, name, wanted[name])
    slot.save(update_fields=[*changed, "updated_at"])
    record_event(action="slot.updated", request=request, study_id=study.pk, target=slot, detail={"fields": changed})
    return slot


@transaction.atomic
def delete_free_slots(*, study: Study, slot_ids: Iterable[int], request: HttpRequest | None) -> int:
    """Delete the chosen slots, all or none: SlotError when any of them is taken (booked meanwhile, perhaps).

    Bookings later cancelled keep their interview row (its own time and length) without the slot. The slot rows are
    locked first, so a booking of one of them either finished before (and is seen) or waits and then finds no slot.
    """
    ids = sorted(set(slot_ids))
    slots = list(Slot.objects.select_for_update().filter(study=study, pk__in=ids).order_by("pk"))
    if Interview.objects.filter(slot__in=slots, status__in=TAKEN).exists():
        raise SlotError(_("Someone has booked a chosen slot, so nothing was deleted. Booked slots stay."))
    Interview.objects.filter(slot__in=slots).exclude(status__in=TAKEN).update(slot=None)
    deleted = [slot.pk for slot in slots]
    Slot.objects.filter(pk__in=deleted).delete()
    if deleted:
        record_event(
            action="slot.deleted",
            request=request,
            study_id=study.pk,
            detail={"count": len(deleted), "slot_ids": deleted},
        )
    return len(deleted)
