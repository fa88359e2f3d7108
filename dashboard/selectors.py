"""Reads behind the study dashboard: one function per panel, each a handful of aggregate queries.

Counting happens in PostgreSQL (aggregate, annotate, values); Python only shapes the few rows that come
back. The exception is inter-coder agreement, which needs a decision per segment: it is computed on the
double-coded share only and cached until a coding or an assignment changes (dashboard.agreement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncHour, TruncWeek
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coding.models import Adjudication, CodingAssignment
from dashboard import agreement, composition
from dashboard import coders as coding_reads
from dashboard.coders import CoderProgress, PendingAdjudication
from studies.models import (
    Consent,
    Interview,
    OutboxMessage,
    Participant,
    Questionnaire,
    SafetyEvent,
    ScreeningResponse,
    Study,
)
from studies.selectors import by_urgency
from transcription.models import Transcript, TranscriptionJob

S = Participant.Status
T = Transcript.State
Job = TranscriptionJob.Status
WEEKS_SHOWN = 12
SCREENING = Questionnaire.Kind.SCREENING
FAILURES_SHOWN = 20
RUNNING_SHOWN = 20
SAFETY_SHOWN = 50
# A worker counts as alive when a job of its heartbeated or finished this recently (workers report nothing
# else: they are seen only through the jobs they claim).
WORKER_WINDOW = timedelta(minutes=10)


# --- Recruitment funnel -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    key: str
    label: str | Promise
    count: int
    # Share of the previous main step; None for the first step and for side counts.
    conversion: float | None = None
    side: bool = False


@dataclass(frozen=True)
class Week:
    start: date
    screened: int
    eligible: int
    consented: int


@dataclass(frozen=True)
class Funnel:
    steps: list[Step]
    weeks: list[Week]

    @property
    def screened(self) -> int:
        return self.steps[0].count


def _people_in(queryset: QuerySet[Any], field: str = "participant_id") -> Q:
    return Q(pk__in=queryset.values(field))


def _funnel_conditions(study: Study) -> dict[str, Q]:
    """Who has reached each step: by current status or by what exists for them (a consent, an interview,
    a transcript), so withdrawn people still count for the steps they reached before withdrawing.

    The evidence is uncorrelated `IN (subquery)`: PostgreSQL hashes each subquery once, where a correlated
    EXISTS per step would run once per participant (10x slower at 5,000 people).
    """
    transcripts = Transcript.objects.filter(recording__interview__study=study)
    interviews = Interview.objects.filter(study=study)
    who = _people_in
    by_transcript = "recording__interview__participant_id"
    return {
        "eligible": Q(status__in=(S.ELIGIBLE, S.WAITLISTED, S.INVITED, S.CONSENTED, S.SCHEDULED, S.INTERVIEWED))
        | who(ScreeningResponse.objects.filter(study=study, questionnaire__kind=SCREENING, eligible=True)),
        "flagged": Q(status=S.FLAGGED),
        "waitlisted": Q(status=S.WAITLISTED),
        "invited": Q(status__in=(S.INVITED, S.CONSENTED, S.SCHEDULED, S.INTERVIEWED))
        | who(Consent.objects.filter(participant__study=study))
        | who(interviews),
        "consented": Q(status__in=(S.CONSENTED, S.SCHEDULED, S.INTERVIEWED))
        | who(Consent.objects.filter(participant__study=study)),
        "scheduled": Q(status__in=(S.SCHEDULED, S.INTERVIEWED)) | who(interviews),
        "interviewed": Q(status=S.INTERVIEWED) | who(interviews.filter(status=Interview.Status.COMPLETED)),
        "transcribed": who(transcripts, by_transcript),
        "approved": who(transcripts.filter(state__in=(T.APPROVED, T.IN_CODING, T.CODED)), by_transcript),
        "coded": who(transcripts.filter(state=T.CODED), by_transcript),
        "withdrawn": Q(status=S.WITHDRAWN),
    }


FUNNEL_LABELS: dict[str, Promise] = {
    "screened": _("Screened"),
    "eligible": _("Eligible"),
    "flagged": _("Flagged for review"),
    "waitlisted": _("Waitlisted"),
    "invited": _("Invited"),
    "consented": _("Consented"),
    "scheduled": _("Scheduled"),
    "interviewed": _("Interviewed"),
    "transcribed": _("Transcribed"),
    "approved": _("Approved"),
    "coded": _("Coded"),
    "withdrawn": _("Withdrawn"),
}
# Counts of where people are now, beside the main path: they have no conversion from the step before.
SIDE_STEPS = frozenset({"flagged", "waitlisted", "withdrawn"})


def recruitment_funnel(*, study: Study, now: datetime | None = None) -> Funnel:
    """The funnel in one aggregate over the study's participants, and screening by week (last 12 weeks).

    Main steps count everyone who reached the step (by status or evidence); side steps (flagged, waitlisted,
    withdrawn) count where people are now.
    """
    conditions = _funnel_conditions(study)
    totals = Participant.objects.filter(study=study).aggregate(
        screened=Count("id"), **{key: Count("id", filter=condition) for key, condition in conditions.items()}
    )
    steps: list[Step] = []
    previous: int | None = None
    for key, label in FUNNEL_LABELS.items():
        count = totals[key]
        if key in SIDE_STEPS:
            steps.append(Step(key, label, count, side=True))
            continue
        conversion = count / previous if previous else None
        steps.append(Step(key, label, count, conversion))
        previous = count
    return Funnel(steps=steps, weeks=screening_by_week(study=study, now=now))


def screening_by_week(*, study: Study, now: datetime | None = None) -> list[Week]:
    """Screened, eligible and (by now) consented people per week of their screening, oldest first, no gaps."""
    now = now or timezone.now()
    since = now - timedelta(weeks=WEEKS_SHOWN)
    consented = Q(participant__in=Consent.objects.filter(participant__study=study).values("participant_id"))
    rows = (
        ScreeningResponse.objects.filter(
            study=study, questionnaire__kind=Questionnaire.Kind.SCREENING, submitted_at__gte=since
        )
        .annotate(week=TruncWeek("submitted_at"))
        .values("week")
        .annotate(
            screened=Count("participant", distinct=True),
            eligible=Count("participant", filter=Q(eligible=True), distinct=True),
            consented=Count("participant", filter=consented, distinct=True),
        )
        .order_by("week")
    )
    found = {row["week"].date(): row for row in rows}
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=n) for n in range(WEEKS_SHOWN - 1, -1, -1)]
    return [
        Week(start, found[start]["screened"], found[start]["eligible"], found[start]["consented"])
        if start in found
        else Week(start, 0, 0, 0)
        for start in weeks
    ]


# --- Sample diversity -------------------------------------------------------------------------------------


FLAGS_SHOWN = 10


@dataclass(frozen=True)
class FlagQueue:
    """Screened people flagged for review (possible duplicates, too fast, failed attention checks), oldest first:
    they heard a neutral answer and wait for the team's decision."""

    count: int
    oldest: list[Participant]


def flag_queue(*, study: Study) -> FlagQueue:
    """For owners and researchers (the view checks the role). Codes and dates only: the reasons are on each
    participant's page."""
    flagged = Participant.objects.filter(study=study, status=Participant.Status.FLAGGED)
    return FlagQueue(count=flagged.count(), oldest=list(flagged.order_by("created_at", "id")[:FLAGS_SHOWN]))


def sample_diversity(*, study: Study) -> composition.Diversity:
    """The counted sample along every quota dimension and the usual demographic ones, against targets."""
    return composition.diversity(study=study)


# --- Transcription queue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Worker:
    name: str
    device: str
    model_name: str
    last_seen: datetime
    busy: bool

    @property
    def device_label(self) -> str:
        return {"cuda": "GPU", "cpu": "CPU"}.get(self.device, self.device.upper() or "?")


@dataclass(frozen=True)
class Throughput:
    audio_hours: float  # audio transcribed in the last 24 hours
    per_hour: float  # the same, per hour
    speed: float | None  # audio seconds per second of processing (x real time)
    hourly: list[tuple[datetime, float]]  # (hour, audio hours), the last 24 hours, oldest first


@dataclass(frozen=True)
class Queue:
    by_state: list[tuple[str, str | Promise, int]]
    running: list[TranscriptionJob]
    failed: list[TranscriptionJob]
    failed_total: int
    oldest_queued: datetime | None
    throughput: Throughput
    workers: list[Worker]
    stale_before: datetime

    @property
    def total(self) -> int:
        return sum(count for _, _, count in self.by_state)


def transcription_queue(*, study: Study, now: datetime | None = None) -> Queue:
    """Jobs by state, running and failed jobs, throughput over the last day and the workers seen lately."""
    now = now or timezone.now()
    jobs = TranscriptionJob.objects.filter(recording__interview__study=study)
    counts = dict(jobs.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    listed = jobs.select_related("recording__interview__participant")
    return Queue(
        by_state=[(value, label, counts.get(value, 0)) for value, label in Job.choices],
        running=list(listed.filter(status=Job.RUNNING).order_by("claimed_at", "id")[:RUNNING_SHOWN]),
        failed=list(listed.filter(status=Job.FAILED).order_by("-finished_at", "-id")[:FAILURES_SHOWN]),
        failed_total=counts.get(Job.FAILED, 0),
        oldest_queued=jobs.filter(status=Job.QUEUED).aggregate(oldest=Min("created_at"))["oldest"],
        throughput=_throughput(jobs, now),
        workers=workers_seen(now=now),
        stale_before=now - timedelta(seconds=settings.TRANSCRIPTION_STALE_SECONDS),
    )


def _throughput(jobs: QuerySet[TranscriptionJob], now: datetime) -> Throughput:
    """Audio hours finished in the last 24 hours (the transcripts' durations), in total and per hour."""
    done = jobs.filter(status=Job.SUCCEEDED, finished_at__gte=now - timedelta(hours=24))
    totals = done.aggregate(audio=Sum("recording__transcript__duration"), busy=Sum(F("finished_at") - F("claimed_at")))
    audio_seconds = totals["audio"] or 0.0
    busy: timedelta | None = totals["busy"]
    by_hour = (
        done.annotate(hour=TruncHour("finished_at"))
        .order_by()
        .values("hour")
        .annotate(seconds=Sum("recording__transcript__duration"))
    )
    hours = {row["hour"]: row["seconds"] or 0.0 for row in by_hour}
    start = timezone.localtime(now).replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
    series = [(start + timedelta(hours=n), hours.get(start + timedelta(hours=n), 0.0) / 3600) for n in range(24)]
    speed = audio_seconds / busy.total_seconds() if busy and busy.total_seconds() > 0 else None
    return Throughput(audio_seconds / 3600, audio_seconds / 3600 / 24, speed, series)


def workers_seen(*, now: datetime | None = None) -> list[Worker]:
    """Workers whose jobs (any study's) heartbeated or finished within WORKER_WINDOW, with the device and
    model of their latest job. Busy means a running job with a fresh heartbeat. Workers are shared
    infrastructure, so this shows their names and hardware only, never other studies' jobs.

    The rows are the jobs active in the window (a handful), so picking each worker's latest in Python stays
    cheap and works on SQLite too (the demo's database has no DISTINCT ON).
    """
    now = now or timezone.now()
    since, fresh = now - WORKER_WINDOW, now - timedelta(seconds=settings.TRANSCRIPTION_STALE_SECONDS)
    rows = (
        TranscriptionJob.objects.exclude(worker="")
        .filter(Q(heartbeat_at__gte=since) | Q(finished_at__gte=since))
        .values_list("worker", "device", "model_name", "status", "heartbeat_at", "finished_at")
    )
    latest: dict[str, Worker] = {}
    for name, device, model, status, beat, finished in rows:
        seen = max(moment for moment in (beat, finished) if moment is not None)
        busy = status == Job.RUNNING and beat is not None and beat >= fresh
        known = latest.get(name)
        if known is None or seen > known.last_seen:
            latest[name] = Worker(name, device, model, seen, busy or bool(known and known.busy))
        elif busy:
            latest[name] = Worker(known.name, known.device, known.model_name, known.last_seen, True)
    return sorted(latest.values(), key=lambda worker: worker.name)


# --- Coding -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodingPanel:
    coders: list[CoderProgress]
    transcripts_ready: int  # approved, in coding or coded
    transcripts_assigned: int
    double_coded: int  # transcript versions with two or more finished coders
    agreement: agreement.PooledAgreement | None
    open_adjudications: int
    not_adjudicated: int  # double-coded versions with no adjudication started
    pending: list[PendingAdjudication]


def coding_progress(*, study: Study) -> CodingPanel:
    """Assignments and codings per coder, the double-coded share, agreement per code on it, adjudications.

    Consensus codings (written by adjudication) are nobody's own work: they count neither for a coder nor
    for agreement.
    """
    transcripts = Transcript.objects.filter(recording__interview__study=study)
    assigned = CodingAssignment.objects.filter(transcript__recording__interview__study=study)
    versions = agreement.double_coded_versions(study=study)
    status = coding_reads.adjudication_status(versions)
    return CodingPanel(
        coders=coding_reads.progress_per_coder(study=study),
        transcripts_ready=transcripts.filter(state__in=(T.APPROVED, T.IN_CODING, T.CODED)).count(),
        transcripts_assigned=assigned.values("transcript_id").distinct().count(),
        double_coded=len(versions),
        agreement=agreement.pooled_agreement(study=study, code_names=coding_reads.code_names(study), versions=versions),
        open_adjudications=sum(1 for value in status.values() if value == Adjudication.Status.OPEN),
        not_adjudicated=sum(1 for version in versions if version not in status),
        pending=coding_reads.pending_adjudications(versions, status),
    )


# --- Safety -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SafetyPanel:
    events: list[SafetyEvent]
    total: int
    open: int
    contacted: int
    resolved: int
    not_notified: int
    # Unresolved events whose follow-up was due before `now` (the moment the counts were taken; the template
    # marks the same rows overdue).
    overdue: int
    now: datetime


FollowUp = SafetyEvent.FollowUp


def safety_events(*, study: Study) -> SafetyPanel:
    """Safety events not yet resolved (risk items, distress marked in interviews, participants who asked for
    support): open ones first, by follow-up due time. For owners and researchers (the view checks the role).

    Two queries whatever the number of events (the panel polls every few seconds): one aggregate, one list.
    `open` counts the events nobody has followed up yet; `not_notified` those with a safety alert not (yet) sent
    (an interview's outcome may need no alert at all); events of people who withdrew with deletion are gone.
    """
    now = timezone.now()
    events = SafetyEvent.objects.filter(study=study)
    unresolved = ~Q(follow_up=FollowUp.RESOLVED)
    alerts = OutboxMessage.objects.filter(safety_event=OuterRef("pk"), kind=OutboxMessage.Kind.SAFETY_ALERT)
    totals = events.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(follow_up=FollowUp.OPEN)),
        contacted=Count("id", filter=Q(follow_up=FollowUp.CONTACTED)),
        resolved=Count("id", filter=Q(follow_up=FollowUp.RESOLVED)),
        not_notified=Count("id", filter=Q(notified_at__isnull=True) & Q(Exists(alerts))),
        overdue=Count("id", filter=unresolved & Q(follow_up_due_at__lt=now)),
    )
    rows = events.filter(unresolved).select_related("participant", "follow_up_assignee")
    return SafetyPanel(events=list(by_urgency(rows)[:SAFETY_SHOWN]), now=now, **totals)
