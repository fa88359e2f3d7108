"""Transcript review: the study's list of identifiers, redaction decisions, study-wide tags, redacted versions
and approvals. Transcript text itself lives in transcription.TranscriptVersion / Segment (immutable versions);
everything here that holds an original (a name, an email) is encrypted at rest.

Offsets are Unicode code points into one segment's text of one version.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from config.fields import EncryptedTextField
from review.redaction import Kind
from studies.models import Study
from transcription.models import Segment, Transcript, TranscriptVersion

KIND_CHOICES = [(kind.value, kind.value.replace("_", " ").capitalize()) for kind in Kind]
LISTED_KINDS = [
    (Kind.NAME.value, _("Person")),
    (Kind.PLACE.value, _("Place")),
    (Kind.ORGANISATION.value, _("Organisation")),
]


class StudyIdentifier(TimeStampedModel):
    """A person, place or organisation to remove from every transcript of the study (the study's list)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="review_identifiers")
    kind = models.CharField(_("kind"), max_length=16, choices=LISTED_KINDS)
    name = EncryptedTextField(_("name"))
    # Other spellings, one per line (short forms, the name in another script).
    aliases = EncryptedTextField(_("other spellings, one per line"), blank=True)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["NAME", "PLACE", "ORGANISATION"]), name="identifier_kind_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} identifier {self.pk}"


class RedactionTag(TimeStampedModel):
    """One thing replaced in the study's transcripts and its tag number: [NAME-3] is (NAME, 3).

    Looked up by a keyed hash of (kind, normalised value) so the original never needs decrypting to find it.
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="redaction_tags")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    value_hash = models.CharField(max_length=64)
    original = EncryptedTextField(blank=True)  # the fullest spelling replaced so far
    number = models.PositiveIntegerField()

    class Meta:
        ordering = ("kind", "number")
        constraints = [
            models.UniqueConstraint(fields=("study", "kind", "value_hash"), name="one_tag_per_value"),
            models.UniqueConstraint(fields=("study", "kind", "number"), name="one_value_per_tag_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="tag_numbers_start_at_one"),
        ]

    def __str__(self) -> str:
        return f"[{self.kind}-{self.number}]"

    @property
    def tag(self) -> str:
        return f"[{self.kind}-{self.number}]"


class RedactionMark(TimeStampedModel):
    """A reviewer's decision on one span of one version: a proposal accepted or rejected, or a span marked by hand."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    version = models.ForeignKey(TranscriptVersion, on_delete=models.CASCADE, related_name="redaction_marks")
    segment = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    source = models.CharField(max_length=16)  # review.redaction.Source
    reason = models.CharField(max_length=300, blank=True)
    confidence = models.FloatField(default=1.0)
    text = EncryptedTextField()
    key = EncryptedTextField()
    decision = models.CharField(max_length=8, choices=Decision.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("version", "segment", "start")
        constraints = [
            models.UniqueConstraint(fields=("version", "segment", "start", "end"), name="one_mark_per_span"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="mark_span_not_empty"),
            models.CheckConstraint(condition=Q(decision__in=["accepted", "rejected"]), name="mark_decision_known"),
        ]

    def __str__(self) -> str:
        return f"mark {self.segment}:{self.start}-{self.end} on version {self.version_id}"


class RedactedVersion(TimeStampedModel):
    """Marks a version as the redacted form of another; holds the tag-to-original mapping (encrypted JSON)."""

    version = models.OneToOneField(TranscriptVersion, on_delete=models.CASCADE, related_name="redaction")
    source = models.ForeignKey(TranscriptVersion, on_delete=models.CASCADE, related_name="redacted_forms")
    mapping = EncryptedTextField(blank=True)  # JSON {tag: original}; owner/researcher only, audited
    # [{"segment", "start", "end", "tag", "time_start", "time_end"}]: positions in the source, no original text.
    replacements = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(version=models.F("source")), name="redacted_from_another_version")
        ]

    def __str__(self) -> str:
        return f"redacted version {self.version_id} of {self.source_id}"


class Approval(TimeStampedModel):
    """A researcher approved this (redacted) version for coding; the version is frozen: codings point at it."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="approvals")
    version = models.OneToOneField(TranscriptVersion, on_delete=models.CASCADE, related_name="approval")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"approval of {self.version_id}"


class MemberCheck(TimeStampedModel):
    """A transcript version sent to its participant to read (member checking): they comment on segments and
    approve it or ask for changes by the deadline. Redacted unless the study sends what was said
    (`Study.member_check_raw`); which one is recorded here, because it decides what the portal shows."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent, awaiting the participant")
        APPROVED = "approved", _("Approved by the participant")
        CHANGES = "changes", _("Changes asked for")
        EXPIRED = "expired", _("No answer by the deadline")
        CANCELLED = "cancelled", _("Cancelled by the team")

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="member_checks")
    version = models.ForeignKey(TranscriptVersion, on_delete=models.CASCADE, related_name="member_checks")
    raw = models.BooleanField(default=False)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    deadline = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SENT, db_index=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # The participant's overall word with their answer (encrypted: it is about them).
    message = EncryptedTextField(blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            # One open request per transcript at a time.
            models.UniqueConstraint(fields=("transcript",), condition=Q(status="sent"), name="one_open_member_check"),
            models.CheckConstraint(
                condition=Q(status__in=("sent", "cancelled", "expired")) | Q(responded_at__isnull=False),
                name="member_check_answer_is_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"member check {self.pk} of {self.transcript_id}"


class MemberCheckComment(TimeStampedModel):
    """A participant's comment on one segment (by its index in the version sent), encrypted."""

    member_check = models.ForeignKey(MemberCheck, on_delete=models.CASCADE, related_name="comments")
    segment = models.PositiveIntegerField()
    text = EncryptedTextField()

    class Meta:
        ordering = ("segment", "id")

    def __str__(self) -> str:
        return f"comment on segment {self.segment} of {self.member_check_id}"


class KeyedTermsField(ArrayField):
    """`bigint[]` on PostgreSQL. The embedded SQLite run has no search (no text search configurations to make the
    terms with), so there the column is plain text that nothing writes, and the tables still migrate."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return super().db_type(connection) if connection.vendor == "postgresql" else "text"


class SearchAudience(models.TextChoices):
    """Whose text a search row was made from: the raw text owners and researchers read, or the redacted text
    every other role reads (review.selectors.visible_version)."""

    RAW = "raw", _("Raw text")
    REDACTED = "redacted", _("Redacted text")


class SegmentSearchTerms(models.Model):
    """A blind index row: the keyed lexemes of one segment of the version one audience reads.

    `terms` are HMAC-SHA256 values (first 8 bytes, as a signed bigint) of the lexemes PostgreSQL's own
    `to_tsvector` finds in the text (review.search_terms); the text itself is never stored here, nor any word.
    A query is keyed the same way and matched with `@>` on the GIN index. Offsets are code points into the
    version's `text()`, so a coding can be found on the segment without reading its text.
    """

    # No single-column indexes on study and transcript: the composite index and the unique constraint lead with them.
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+", db_index=False)
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="+", db_index=False)
    version = models.ForeignKey(TranscriptVersion, on_delete=models.CASCADE, related_name="+")
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+")
    audience = models.CharField(max_length=8, choices=SearchAudience.choices)
    index = models.PositiveIntegerField()
    language = models.CharField(max_length=12)  # the segment's language, else the transcript's (ISO 639-1)
    start_offset = models.PositiveIntegerField()
    end_offset = models.PositiveIntegerField()
    # GIN-indexed (`search_terms_gin`, made by the migration on PostgreSQL only: SQLite has no GIN).
    terms = KeyedTermsField(base_field=models.BigIntegerField(), default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("transcript", "audience", "index"), name="one_search_row_per_segment"),
            models.CheckConstraint(condition=Q(audience__in=["raw", "redacted"]), name="search_audience_known"),
        ]
        indexes = [
            # Hits are listed in transcript and segment order within one study and audience.
            models.Index(fields=["study", "audience", "transcript", "index"], name="search_study_order"),
        ]

    def __str__(self) -> str:
        return f"search terms of segment {self.segment_id} ({self.audience})"


class SearchIndexState(models.Model):
    """Which versions a transcript's search rows were made from; the sweep re-indexes transcripts whose latest
    version moved on (a machine version, which the transcription app writes without telling review)."""

    transcript = models.OneToOneField(Transcript, on_delete=models.CASCADE, related_name="+")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+")
    latest_version = models.ForeignKey(
        TranscriptVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raw_version = models.ForeignKey(
        TranscriptVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    redacted_version = models.ForeignKey(
        TranscriptVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    languages = models.JSONField(default=list, blank=True)  # ISO 639-1 codes of the rows, for the filter
    indexed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"search index state of transcript {self.transcript_id}"
