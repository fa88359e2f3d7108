"""Codebook, codebook versions, codings, assignments, memos, the coding policy and adjudication.

The shapes follow REFI-QDA from the start (../shared/refi-qda/): every code has a GUID that survives export and
import, codes nest, and a code may be a non-codable folder (REFI-QDA `isCodable="false"`).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from studies.models import Study

# A colour is '#RRGGBB' (REFI-QDA also allows '#RGB'; imports expand it) or blank for "none chosen".
COLOUR_PATTERN = r"^#[0-9A-F]{6}$"


class Code(TimeStampedModel):
    """One code of a study's codebook; codes nest under a parent code (None: a top-level code)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="codes")
    # PROTECT: a code with children is never deleted by accident; services reparent or delete subtrees explicitly.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    guid = models.UUIDField(_("GUID"), default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=255)
    definition = models.TextField(_("definition"), blank=True)
    when_to_use = models.TextField(_("when to use"), blank=True)
    when_not_to_use = models.TextField(_("when not to use"), blank=True)
    example = models.TextField(_("example quote"), blank=True)
    colour = models.CharField(_("colour"), max_length=7, blank=True, help_text=_("#RRGGBB"))
    # False for folders that only group other codes (REFI-QDA isCodable).
    is_codable = models.BooleanField(_("can be applied"), default=True)
    # Order among siblings, kept so that exports list codes as the researchers arranged them.
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("study", "parent_id", "position", "name")
        constraints = [
            # nulls_distinct=False: two top-level codes (parent NULL) with one name are a clash too.
            models.UniqueConstraint(
                fields=("study", "parent", "name"), nulls_distinct=False, name="code_name_unique_within_parent"
            ),
            models.UniqueConstraint(fields=("study", "guid"), name="code_guid_unique_per_study"),
            models.CheckConstraint(condition=~Q(name=""), name="code_name_not_empty"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="code_not_its_own_parent"),
            models.CheckConstraint(
                condition=Q(colour="") | Q(colour__regex=COLOUR_PATTERN), name="code_colour_is_rrggbb"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CodebookVersion(models.Model):
    """An immutable snapshot of a study's whole codebook, made by every change to it.

    `snapshot` is the tree as `coding.codetree.tree_to_data` writes it (a list of nested code dicts).
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="codebook_versions")
    number = models.PositiveIntegerField()
    change = models.CharField(_("change"), max_length=200)
    snapshot = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("study", "number")
        constraints = [
            models.UniqueConstraint(fields=("study", "number"), name="one_codebook_version_number_per_study"),
            models.CheckConstraint(condition=Q(number__gte=1), name="codebook_versions_start_at_one"),
        ]

    def __str__(self) -> str:
        return f"codebook v{self.number} of study {self.study_id}"


class Coding(TimeStampedModel):
    """One code applied by one coder to one span of one transcript version (a REFI-QDA selection + coding).

    `start` and `end` are Unicode code-point offsets into `transcript_version.text()` (segments joined by "\\n"),
    half-open: the span is text[start:end]. Code points, not bytes and not UTF-16 units: Python's str indexing
    counts them, while a browser's JavaScript strings count UTF-16 units and must convert (Hindi and Arabic sit in
    the Basic Multilingual Plane, but emoji do not). `text` keeps the coded words as they were, for checking.
    """

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    transcript_version = models.ForeignKey(
        "transcription.TranscriptVersion", on_delete=models.PROTECT, related_name="codings"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField()
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="codings")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="codings")
    # The codebook as it stood when the coding was made; agreement can be computed per version.
    codebook_version = models.ForeignKey(CodebookVersion, on_delete=models.PROTECT, related_name="codings")
    memo = models.TextField(_("memo"), blank=True)
    # A consensus coding belongs to the study's consensus set, written by adjudication (its `coder` is the
    # adjudicator); it is never a coder's own work, so agreement and the blind views leave it out.
    consensus = models.BooleanField(_("consensus"), default=False, db_index=True)

    class Meta:
        ordering = ("transcript_version", "start", "end", "id")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="coding_span_not_empty"),
            models.UniqueConstraint(
                fields=("transcript_version", "coder", "code", "start", "end", "consensus"),
                name="one_coding_per_span_code_coder",
            ),
        ]
        indexes = [models.Index(fields=("transcript_version", "coder"), name="coding_version_coder")]

    def __str__(self) -> str:
        return f"{self.code_id} on {self.transcript_version_id} [{self.start}:{self.end}]"


class CodingAssignment(TimeStampedModel):
    """A transcript given to one coder to code; a transcript with two or more is double-coded."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    transcript = models.ForeignKey("transcription.Transcript", on_delete=models.CASCADE, related_name="assignments")
    # The approved version the coder codes: codings point at it, so it never changes under them.
    transcript_version = models.ForeignKey(
        "transcription.TranscriptVersion", on_delete=models.PROTECT, related_name="assignments"
    )
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coding_assignments")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ASSIGNED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("status", "created_at")
        constraints = [
            models.UniqueConstraint(fields=("transcript", "coder"), name="one_assignment_per_transcript_coder"),
            models.CheckConstraint(
                condition=Q(status__in=["assigned", "in_progress", "done"]), name="assignment_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(finished_at__isnull=False), name="done_assignments_have_finished_at"
            ),
        ]

    def __str__(self) -> str:
        return f"transcript {self.transcript_id} to {self.coder_id} ({self.status})"


class Memo(TimeStampedModel):
    """A researcher's note (a REFI-QDA Note): on a transcript, on a code, or free-standing (neither)."""

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="memos")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memos")
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    transcript = models.ForeignKey(
        "transcription.Transcript", null=True, blank=True, on_delete=models.CASCADE, related_name="memos"
    )
    code = models.ForeignKey(Code, null=True, blank=True, on_delete=models.CASCADE, related_name="memos")

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(transcript__isnull=True) | Q(code__isnull=True), name="memo_on_one_thing_at_most"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="memo_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title or f"memo {self.pk}"


class CodingPolicy(TimeStampedModel):
    """How a study's approved transcripts are shared among coders (coding.services.queue).

    With no coders chosen, every member with the coder role takes part. `double_share` percent of transcripts
    go to `coders_per_double` coders for reliability; which ones is decided by a hash of the transcript, so
    re-running the queue never reshuffles.
    """

    study = models.OneToOneField(Study, on_delete=models.CASCADE, related_name="coding_policy")
    coders = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    double_share = models.PositiveSmallIntegerField(_("share double-coded (%)"), default=25)
    coders_per_double = models.PositiveSmallIntegerField(_("coders per double-coded transcript"), default=2)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(double_share__lte=100), name="double_share_is_a_percentage"),
            models.CheckConstraint(condition=Q(coders_per_double__gte=2), name="double_coding_needs_two"),
        ]

    def __str__(self) -> str:
        return f"coding policy of study {self.study_id}"


class Adjudication(TimeStampedModel):
    """The resolution of one double-coded transcript version into consensus codings."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    transcript_version = models.OneToOneField(
        "transcription.TranscriptVersion", on_delete=models.PROTECT, related_name="adjudication"
    )
    adjudicator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "done"]), name="adjudication_status_known"),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(finished_at__isnull=False), name="done_adjudications_have_finished_at"
            ),
        ]

    def __str__(self) -> str:
        return f"adjudication of version {self.transcript_version_id} ({self.status})"


class AdjudicationDecision(TimeStampedModel):
    """The adjudicator's ruling on one unit (the presence of one code in one segment) where coders disagreed."""

    class Outcome(models.TextChoices):
        ACCEPT = "accept", _("Accept one coder's coding")
        MERGE = "merge", _("Merge both codings")
        CONSENSUS = "consensus", _("Write a consensus coding")

    adjudication = models.ForeignKey(Adjudication, on_delete=models.CASCADE, related_name="decisions")
    segment = models.ForeignKey("transcription.Segment", on_delete=models.PROTECT, related_name="+")
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    # For ACCEPT: whose coding was accepted (their decision, present or absent, becomes the consensus).
    accepted_coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("adjudication", "segment", "code"), name="one_decision_per_unit"),
            models.CheckConstraint(
                condition=Q(outcome__in=["accept", "merge", "consensus"]), name="decision_outcome_known"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="accept") | Q(accepted_coder__isnull=False), name="accepting_names_a_coder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} on segment {self.segment_id} code {self.code_id}"
