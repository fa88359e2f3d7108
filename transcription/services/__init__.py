"""Writes of the transcription app; import from here (`transcription.services.withdraw_participant_work`)."""

from transcription.services.jobs import TransientJobError, claim_job, run_transcription_job, save_result
from transcription.services.recordings import (
    RecordingNotStored,
    RecordingPlan,
    RecordingRefused,
    UploadIncomplete,
    add_recording,
    add_transcribed_recording,
    check_consent,
    speaker_choices,
)
from transcription.services.retry import RetryRefused, retranscribe_recording, retry_job
from transcription.services.sweep import SweepReport, sweep_transcription_jobs
from transcription.services.withdrawal import withdraw_participant_work

__all__ = [
    "RecordingNotStored",
    "RecordingPlan",
    "RecordingRefused",
    "RetryRefused",
    "SweepReport",
    "TransientJobError",
    "UploadIncomplete",
    "add_recording",
    "add_transcribed_recording",
    "check_consent",
    "claim_job",
    "retranscribe_recording",
    "retry_job",
    "run_transcription_job",
    "save_result",
    "speaker_choices",
    "sweep_transcription_jobs",
    "withdraw_participant_work",
]
