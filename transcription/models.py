"""Recordings, transcription jobs and transcripts.

A Recording is what one interview's audio was captured as: one mixed file, one stereo file with a speaker per
channel, or one file per speaker. Its MediaFiles hold the encrypted bytes; its Tracks say which speaker is in
which file (and channel), and are exactly what the pipeline transcribes. A TranscriptionJob turns a Recording
into a Transcript, whose version 1 is the machine's output; every later edit is a new immutable version.

Offsets that other apps store (codings, redactions) are Unicode code points into one version's `text()`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from config.fields import SealedJSONField, SealedTextField
from studies.models import Interview

INTERVIEWER_SPEAKER = "interviewer"


class Recording(TimeStampedModel):
    class Layout(models.TextChoices):
        MIXED = "mixed", _("One mixed recording (speakers found automatically)")
        STEREO = "stereo", _("One stereo recording, one speaker per channel")
        TRACKS = "tracks", _("One file per speaker")

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="recordings")
    layout = models.CharField(_("layout"), max_length=8, choices=Layout.choices, default=Layout.MIXED)
    expected_speakers = models.PositiveSmallIntegerField(_("expected speakers"), default=2)
    # Also make an English translation layer (kept beside the original, never replacing it).
    translate_to_english = models.BooleanField(_("also translate to English"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(layout__in=["mixed", "stereo", "tracks"]), name="recording_layout_known"
            ),
            models.CheckConstraint(condition=Q(expected_speakers__gte=1), name="recording_has_a_speaker"),
        ]

    def __str__(self) -> str:
        return f"recording {self.pk} of interview {self.interview_id}"


class MediaFile(TimeStampedModel):
    """One uploaded file, encrypted in storage; its facts come from decoding it, never from its name."""

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="files")
    storage_name = models.CharField(max_length=255, unique=True)
    byte_size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    duration = models.FloatField(help_text=_("seconds"))
    channels = models.PositiveSmallIntegerField()
    sample_rate = models.PositiveIntegerField()
    codec = models.CharField(max_length=32)
    container = models.CharField(max_length=64)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(condition=Q(byte_size__gt=0), name="media_file_not_empty"),
            models.CheckConstraint(condition=Q(duration__gt=0), name="media_file_has_duration"),
            models.CheckConstraint(condition=Q(channels__gte=1), name="media_file_has_channels"),
        ]

    def __str__(self) -> str:
        return f"media file {self.pk} of recording {self.recording_id}"


class Track(TimeStampedModel):
    """One source the pipeline transcribes: a whole file, or one channel of it, with its speaker if known.

    `speaker` is "interviewer" or the participant's code; blank for a mixed file whose speakers are clustered.
    """

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="tracks")
    media_file = models.ForeignKey(MediaFile, on_delete=models.CASCADE, related_name="tracks")
    channel = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("0-based; empty for all channels"))
    speaker = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=("recording", "speaker"), condition=~Q(speaker=""), name="one_track_per_speaker"
            ),
            # Two partial constraints rather than nulls_distinct=False, which SQLite (the demo's database) lacks.
            models.UniqueConstraint(
                fields=("media_file", "channel"), condition=Q(channel__isnull=False), name="one_track_per_file_channel"
            ),
            models.UniqueConstraint(
                fields=("media_file",), condition=Q(channel__isnull=True), name="one_whole_file_track_per_file"
            ),
        ]

    def __str__(self) -> str:
        return f"track {self.pk} ({self.speaker or 'mixed'})"


class TranscriptionJob(TimeStampedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Transcribing")
        SUCCEEDED = "succeeded", _("Transcribed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    # Claims so far; the attempt number is also the fencing token a worker must still hold to write its result.
    attempts = models.PositiveSmallIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)
    eta = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    device = models.CharField(max_length=32, blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    batch_size = models.PositiveSmallIntegerField(null=True, blank=True)
    # Human-readable and free of personal data: shown to the team.
    error_message = models.CharField(max_length=500, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed", "cancelled"]),
                name="job_status_known",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_is_a_percentage"),
            models.UniqueConstraint(
                fields=("recording",),
                condition=Q(status__in=["queued", "running"]),
                name="one_active_job_per_recording",
            ),
            models.CheckConstraint(
                condition=~Q(status="running") | Q(claimed_at__isnull=False), name="running_job_was_claimed"
            ),
        ]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def is_stuck(self) -> bool:
        """Queued and unclaimed for longer than TRANSCRIPTION_STALE_SECONDS since it was sent (or made): its
        message may be lost, and the team may send it again (`retry_job`) before the sweep does."""
        waited_since = self.enqueued_at or self.updated_at
        limit = timezone.now() - timedelta(seconds=settings.TRANSCRIPTION_STALE_SECONDS)
        return self.status == self.Status.QUEUED and waited_since is not None and waited_since < limit


class Transcript(TimeStampedModel):
    """The transcript of one recording; its versions hold the text."""

    class State(models.TextChoices):
        TRANSCRIBED = "transcribed", _("Transcribed")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        IN_CODING = "in_coding", _("In coding")
        CODED = "coded", _("Coded")

    # One transcript per recording, and (below) one machine version per transcript: so one machine transcript.
    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="transcript")
    state = models.CharField(max_length=16, choices=State.choices, default=State.TRANSCRIBED, db_index=True)
    # The spoken language with the most speech time (transcription.spoken_language); "" when it is not known, as
    # always when no speech was heard.
    language = models.CharField(max_length=12, blank=True, help_text=_("the dominant spoken language (ISO 639-1)"))
    language_probability = models.FloatField(default=0.0)
    duration = models.FloatField(default=0.0)
    # False when the machine heard no speech at all (silence, a tone, noise): pages say "No speech".
    has_speech = models.BooleanField(default=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["transcribed", "in_review", "approved", "in_coding", "coded"]),
                name="transcript_state_known",
            ),
            models.CheckConstraint(condition=Q(has_speech=True) | Q(language=""), name="no_speech_has_no_language"),
        ]

    def __str__(self) -> str:
        return f"transcript {self.pk} of recording {self.recording_id}"


class TranscriptVersion(models.Model):
    """An immutable version of a transcript: version 1 is the machine's, later ones are people's edits."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    is_machine = models.BooleanField(default=False)
    engine = models.CharField(max_length=100, blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    engine_settings = models.JSONField(default=dict, blank=True)
    # An English translation layer (list of segment dicts), kept beside the original, never replacing it. Made
    # from raw speech and never carried into a redacted version, so always sealed.
    translation = SealedJSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("transcript", "number")
        constraints = [
            models.UniqueConstraint(fields=("transcript", "number"), name="one_version_number_per_transcript"),
            models.UniqueConstraint(
                fields=("transcript",), condition=Q(is_machine=True), name="one_machine_version_per_transcript"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_numbers_start_at_one"),
            models.CheckConstraint(
                condition=Q(is_machine=False) | Q(created_by__isnull=True), name="machine_versions_have_no_author"
            ),
        ]

    def __str__(self) -> str:
        return f"transcript {self.transcript_id} v{self.number}"

    def text(self) -> str:
        """The version's text: its segments' texts joined by a newline, in order (offsets index into this)."""
        return "\n".join(self.segments.order_by("index").values_list("text", flat=True))


class Segment(models.Model):
    """A time-aligned stretch of one speaker's speech in one version; times are seconds from the start.

    `text` and `words` hold what people said, names and disclosures included, so they are sealed at rest, except
    in rows written by a redaction pass (review), which are plaintext: readable and searchable in the database.
    Reads through the model give plaintext either way; offsets count code points of that plaintext.
    """

    version = models.ForeignKey(TranscriptVersion, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    speaker = models.CharField(max_length=32, blank=True)
    language = models.CharField(max_length=12, blank=True)
    text = SealedTextField(blank=True)
    avg_logprob = models.FloatField(null=True, blank=True)
    no_speech_prob = models.FloatField(null=True, blank=True)
    compression_ratio = models.FloatField(null=True, blank=True)
    flags = models.JSONField(default=list, blank=True)  # values of transcription.results.FLAG_*
    # [{"start", "end", "text", "probability", "speaker"}]; words stored before speakers per word lack "speaker"
    words = SealedJSONField(default=list, blank=True)

    class Meta:
        ordering = ("version", "index")
        constraints = [
            models.UniqueConstraint(fields=("version", "index"), name="one_segment_per_index"),
            models.CheckConstraint(condition=Q(start__gte=0) & Q(end__gte=models.F("start")), name="segment_times"),
        ]

    def __str__(self) -> str:
        return f"segment {self.index} of version {self.version_id}"


class Upload(TimeStampedModel):
    """A resumable upload in progress: its bytes live in a private temporary file named by `id`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="uploads")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    size = models.PositiveBigIntegerField(help_text=_("declared total size in bytes"))

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="upload_not_empty")]

    def __str__(self) -> str:
        return f"upload {self.pk}"


class VoiceAnswer(TimeStampedModel):
    """A participant's answer to one guide question of an asynchronous voice interview.

    One per question and interview: re-recording points it at the new Recording (the old one is deleted by
    transcription.services.voice_answers); no recording means the participant skipped the question. Erasing the
    recording (a withdrawal) erases the answer with it.
    """

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="voice_answers")
    # RESTRICT, not PROTECT: a question with answers cannot be deleted on its own, but deleting the whole study
    # (which cascades to both) still can.
    question = models.ForeignKey("studies.GuideQuestion", on_delete=models.RESTRICT, related_name="voice_answers")
    recording = models.OneToOneField(
        Recording, null=True, blank=True, on_delete=models.CASCADE, related_name="voice_answer"
    )

    class Meta:
        ordering = ("question__position",)
        constraints = [
            models.UniqueConstraint(fields=("interview", "question"), name="one_voice_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"voice answer to question {self.question_id} in interview {self.interview_id}"

    @property
    def is_skipped(self) -> bool:
        return self.recording_id is None
