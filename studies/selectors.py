"""Reads of the studies app that its pages and the higher apps (the dashboard) share."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from studies.models import Incentive, Participant, SafetyEvent, Study

FollowUp = SafetyEvent.FollowUp


def by_urgency(events: QuerySet[SafetyEvent]) -> QuerySet[SafetyEvent]:
    """Open events first, then contacted, then resolved. Within the first two, follow-ups by due time (the
    soonest first; events without one, such as risk items, after them), then newest first."""
    rank = Case(
        When(follow_up=FollowUp.OPEN, then=Value(0)),
        When(follow_up=FollowUp.CONTACTED, then=Value(1)),
        default=Value(2),
    )
    due = Case(When(~Q(follow_up=FollowUp.RESOLVED), then=F("follow_up_due_at")), default=None)
    return events.alias(rank=rank, due=due).order_by("rank", F("due").asc(nulls_last=True), "-created_at", "-id")


def safety_event_list(*, study: Study, show_resolved: bool) -> list[SafetyEvent]:
    """Every event of the study for the follow-up page, open first; resolved ones only when asked for.

    Unlike the dashboard's safety panel this has no cap: an unresolved event must never fall off the list.
    """
    events = SafetyEvent.objects.filter(study=study).select_related(
        "participant", "followed_up_by", "interview", "marked_by", "follow_up_assignee", "cut_applied_by"
    )
    if not show_resolved:
        events = events.exclude(follow_up=FollowUp.RESOLVED)
    return list(by_urgency(events))


def participant_country(participant: Participant) -> str:
    """The country (ISO alpha-2) the person gave in their latest screening, or "" when none: the crisis resources
    they are shown are that country's."""
    attributes = participant.responses.order_by("-created_at").values_list("attributes", flat=True).first() or {}
    return str(attributes.get("country", "")) if isinstance(attributes, dict) else ""


@dataclass(frozen=True)
class CurrencyTotal:
    """A study's incentives in one currency: what is owed and what was paid (cancelled lines count nowhere)."""

    currency: str
    owed: Decimal
    paid: Decimal
    owed_lines: int
    paid_lines: int


def incentive_totals(*, study: Study) -> list[CurrencyTotal]:
    """Totals owed and paid per currency (one aggregate query), for the ledger page and the dashboard."""
    zero = Value(Decimal("0.00"))
    rows = (
        Incentive.objects.filter(study=study)
        .values("currency")
        .annotate(
            owed=Coalesce(Sum("amount", filter=Q(status=Incentive.Status.OWED)), zero),
            paid=Coalesce(Sum("amount", filter=Q(status=Incentive.Status.PAID)), zero),
            owed_lines=Count("id", filter=Q(status=Incentive.Status.OWED)),
            paid_lines=Count("id", filter=Q(status=Incentive.Status.PAID)),
        )
        .order_by("currency")
    )
    return [CurrencyTotal(**row) for row in rows if row["owed_lines"] or row["paid_lines"]]
