"""The study's safety protocol in numbers, for the archive's methods summary: how many safety events of each kind,
how each assessment ended, how many follow-ups are done or still open, and how many partial withdrawals were
applied.

Counts over the whole study only. Never a note, a question key, a date or anything per person: the archive travels
beyond the team, and one row per event would tell a reader who was in distress and when.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from studies.models import SafetyEvent, Study

Kind = SafetyEvent.Kind
Outcome = SafetyEvent.Outcome
# Plain words for methods.md (English, like the rest of the summary); methods.json keeps the codes.
KIND_WORDS = {
    Kind.RISK_ITEM: "risk answers in a questionnaire",
    Kind.INTERVIEW_DISTRESS: "distress marked during an interview",
    Kind.PARTICIPANT_SUPPORT: "participant asked for support",
}
OUTCOME_WORDS = {
    Outcome.CONTINUE: "continued",
    Outcome.PAUSE: "paused, then resumed",
    Outcome.RESCHEDULE: "rescheduled",
    Outcome.STOP: "stopped",
    Outcome.URGENT_HELP: "urgent help",
}


def safety_figures(study: Study) -> dict[str, Any]:
    """Counts of the study's safety events: by kind, by outcome, follow-ups done and open, cuts applied."""
    events = SafetyEvent.objects.filter(study=study)
    totals = events.aggregate(
        **{f"kind_{kind}": Count("id", filter=Q(kind=kind)) for kind in Kind.values},
        **{f"outcome_{outcome}": Count("id", filter=Q(outcome=outcome)) for outcome in Outcome.values},
        done=Count("id", filter=Q(follow_up=SafetyEvent.FollowUp.RESOLVED)),
        open=Count("id", filter=~Q(follow_up=SafetyEvent.FollowUp.RESOLVED)),
        cuts=Count("id", filter=Q(cut_applied_at__isnull=False)),
    )
    return {
        "by_kind": {kind: totals[f"kind_{kind}"] for kind in Kind.values},
        "by_outcome": {outcome: totals[f"outcome_{outcome}"] for outcome in Outcome.values},
        "follow_ups_done": totals["done"],
        "follow_ups_open": totals["open"],
        "partial_withdrawals_applied": totals["cuts"],
    }


def safety_lines(figures: dict[str, Any]) -> list[str]:
    """The summary's lines about safety (Markdown list items)."""
    kinds = ", ".join(f"{KIND_WORDS[kind]} {n}" for kind, n in figures["by_kind"].items() if n)
    if not kinds:
        return ["- Safety protocol: no safety events were recorded."]
    outcomes = ", ".join(f"{OUTCOME_WORDS[outcome]} {n}" for outcome, n in figures["by_outcome"].items() if n)
    return [
        f"- Safety events: {kinds}.",
        f"- Outcomes of the assessments: {outcomes or 'none recorded'}.",
        f"- Follow-ups: {figures['follow_ups_done']} done, {figures['follow_ups_open']} open; "
        f"partial withdrawals applied: {figures['partial_withdrawals_applied']}.",
    ]
