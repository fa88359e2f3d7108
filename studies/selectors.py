"""Reads of the studies app that its pages and the higher apps (the dashboard) share."""

from __future__ import annotations

from django.db.models import Case, QuerySet, Value, When

from studies.models import SafetyEvent, Study

FollowUp = SafetyEvent.FollowUp


def by_urgency(events: QuerySet[SafetyEvent]) -> QuerySet[SafetyEvent]:
    """Open events first, then contacted, then resolved; newest first within each."""
    rank = Case(
        When(follow_up=FollowUp.OPEN, then=Value(0)),
        When(follow_up=FollowUp.CONTACTED, then=Value(1)),
        default=Value(2),
    )
    return events.alias(rank=rank).order_by("rank", "-created_at", "-id")


def safety_event_list(*, study: Study, show_resolved: bool) -> list[SafetyEvent]:
    """Every event of the study for the follow-up page, open first; resolved ones only when asked for.

    Unlike the dashboard's safety panel this has no cap: an unresolved event must never fall off the list.
    """
    events = SafetyEvent.objects.filter(study=study).select_related("participant", "followed_up_by")
    if not show_resolved:
        events = events.exclude(follow_up=FollowUp.RESOLVED)
    return list(by_urgency(events))
