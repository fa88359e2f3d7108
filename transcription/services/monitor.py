"""A running job's heartbeat: progress, ETA and liveness written every few seconds by a small thread.

The thread, not the pipeline's callbacks, owns every database write while the pipeline runs, so the job keeps
its heartbeat while a model loads or a long window decodes, and `should_continue` costs the pipeline nothing.
Each write is conditional on the job still being this claim's (running, same attempt): when it is not, the
job was cancelled, erased or re-queued by the sweep, and the pipeline is told to stop.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from studies.consent import consent_allows
from studies.models import ConsentItem, Participant
from transcription.models import TranscriptionJob

TRANSCRIPTION_CONSENT = (ConsentItem.AUDIO_RECORDING, ConsentItem.AUTOMATIC_TRANSCRIPTION)


def participant_allows_transcription(participant_id: int) -> bool:
    participant = Participant.objects.filter(id=participant_id).first()
    return participant is not None and consent_allows(participant, *TRANSCRIPTION_CONSENT)


class JobMonitor:
    """Throttled progress writes and the stop signal for one claimed attempt of one job."""

    def __init__(self, *, job_id: int, attempt: int, participant_id: int) -> None:
        self.job_id, self.attempt, self.participant_id = job_id, attempt, participant_id
        self.interval = max(0.2, float(settings.TRANSCRIPTION_HEARTBEAT_SECONDS))
        self._started = time.monotonic()
        self._progress: tuple[float, float] = (0.0, 0.0)
        self._cancelled = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat", daemon=True)

    def __enter__(self) -> JobMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._thread.join()

    def on_progress(self, processed: float, total: float) -> None:
        self._progress = (processed, total)

    def should_continue(self) -> bool:
        return not self._cancelled.is_set()

    def _run(self) -> None:
        try:
            while not self._stopped.wait(self.interval):
                try:
                    self.beat()
                except DatabaseError:
                    connections.close_all()  # a glitch: reconnect next beat; the sweep covers a long outage
        finally:
            connections.close_all()  # this thread's own connections only

    def beat(self) -> None:
        """Write heartbeat, progress and ETA; raise the stop signal if the job or the consent is gone."""
        processed, total = self._progress
        now = timezone.now()
        fields: dict[str, object] = {"heartbeat_at": now}
        if total > 0 and processed > 0:
            fields["progress"] = min(99, int(processed * 100 / total))
            elapsed = time.monotonic() - self._started
            fields["eta"] = now + timedelta(seconds=elapsed * (total - processed) / processed)
        mine = TranscriptionJob.objects.filter(id=self.job_id, status=TranscriptionJob.Status.RUNNING)
        still_mine = mine.filter(attempts=self.attempt).update(**fields)
        if not still_mine or not participant_allows_transcription(self.participant_id):
            self._cancelled.set()
