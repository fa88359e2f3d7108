"""Quotas for a diverse sample: stratum counts, waitlisting, and coverage-first selection for invitation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from studies.models import OutboxMessage, Participant, QuotaStage, ScreeningResponse, Stratum, Study
from studies.services.outbox import queue_message

S = Participant.Status
COUNTED = {
    QuotaStage.CONSENTED: (S.CONSENTED, S.SCHEDULED, S.INTERVIEWED),
    QuotaStage.INTERVIEWED: (S.INTERVIEWED,),
}
# Invited people have not reached the counted stage yet but are expected to: selection counts them too,
# so that it does not over-invite into one stratum.
PENDING = (S.INVITED,)
POOL = (S.ELIGIBLE, S.WAITLISTED)


def _attributes_by_participant(study: Study, statuses: tuple[str, ...]) -> dict[int, dict[str, object]]:
    # Oldest first, so the dict keeps each participant's newest answers. (DISTINCT ON would be shorter, but
    # the embedded-defaults run uses SQLite, which lacks it.)
    rows = (
        ScreeningResponse.objects.filter(study=study, participant__status__in=statuses, questionnaire__kind="screening")
        .order_by("participant_id", "submitted_at", "id")
        .values_list("participant_id", "attributes")
    )
    return dict(rows.iterator())


def stratum_counts(*, study: Study, include_pending: bool = False) -> Counter[int]:
    """Participants per stratum id at the study's counting stage (plus invited ones when asked)."""
    statuses = COUNTED[QuotaStage(study.quota_stage)] + (PENDING if include_pending else ())
    counts: Counter[int] = Counter()
    strata = list(study.strata.all())
    for attributes in _attributes_by_participant(study, statuses).values():
        for stratum in strata:
            if stratum.matches(attributes):
                counts[stratum.id] += 1
    return counts


def full_strata(*, study: Study, attributes: dict[str, object]) -> list[Stratum]:
    """The strata this person belongs to that have reached their maximum."""
    mine = [stratum for stratum in study.strata.all() if stratum.matches(attributes)]
    if not mine:
        return []
    counts = stratum_counts(study=study)
    return [stratum for stratum in mine if counts[stratum.id] >= stratum.maximum]


@dataclass(frozen=True)
class Pick:
    participant: Participant
    reasons: list[str]


def _score(strata: list[Stratum], counts: Counter[int]) -> tuple[float, list[str]] | None:
    """Unmet share of each stratum's target; None when one of the person's strata is at its maximum."""
    score, reasons = 0.0, []
    for stratum in strata:
        if counts[stratum.id] >= stratum.maximum:
            return None
        gap = max(0, stratum.target - counts[stratum.id])
        if gap:
            score += gap / stratum.target
            reasons.append(
                _("fills %(name)s (%(count)s of target %(target)s)")
                % {"name": stratum.name, "count": counts[stratum.id], "target": stratum.target}
            )
    return score, reasons


def select_for_invitation(*, study: Study, limit: int) -> list[Pick]:
    """Greedy coverage: repeatedly pick the person whose strata are furthest below target.

    Flagged people are never in the pool (they wait for manual review). Ties go to the earlier response.
    """
    strata = list(study.strata.all())
    counts = stratum_counts(study=study, include_pending=True)
    pool = _attributes_by_participant(study, POOL)
    people = {p.id: p for p in Participant.objects.filter(id__in=pool)}
    memberships = {pid: [s for s in strata if s.matches(attrs)] for pid, attrs in pool.items()}
    picks: list[Pick] = []
    while len(picks) < limit and memberships:
        scored = [(pid, _score(mine, counts)) for pid, mine in memberships.items()]
        candidates = [(result[0], -pid, pid, result[1]) for pid, result in scored if result is not None]
        if not candidates:
            break
        _best, _order, pid, reasons = max(candidates)
        picks.append(Pick(people[pid], reasons or [_("no quota preference; earliest eligible response")]))
        for stratum in memberships.pop(pid):
            counts[stratum.id] += 1
    return picks


@transaction.atomic
def invite_participants(*, participants: list[Participant]) -> int:
    """Mark the people invited and send each a magic link once committed. Returns how many were invited."""
    ids = [p.id for p in participants]
    invited = list(Participant.objects.select_for_update().filter(id__in=ids, status__in=POOL))
    Participant.objects.filter(id__in=[p.id for p in invited]).update(status=S.INVITED)
    for participant in invited:
        queue_message(kind=OutboxMessage.Kind.INVITATION, participant_id=participant.id)
    return len(invited)
