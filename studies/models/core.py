"""Studies, their teams, participants, consent and interviews (the core records of the studies app)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from config.fields import EncryptedTextField


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    RESEARCHER = "researcher", _("Researcher")
    INTERVIEWER = "interviewer", _("Interviewer")
    CODER = "coder", _("Coder")
    VIEWER = "viewer", _("Viewer")


class QuotaStage(models.TextChoices):
    CONSENTED = "consented", _("Consented")
    INTERVIEWED = "interviewed", _("Interviewed")


class Study(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RECRUITING = "recruiting", _("Recruiting")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    # What participants read on the screening page, per study language: {"en": "...", "es": "..."} (plain text).
    descriptions = models.JSONField(_("description per language"), default=dict, blank=True)
    ethics_reference = models.CharField(_("ethics approval reference"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # ISO 639-1 codes of the languages the study is offered in; the first is the default.
    languages = models.JSONField(_("languages"), default=list, blank=True)
    target_sample_size = models.PositiveIntegerField(_("target sample size"), default=20)
    # Where participants write with questions (shown on public pages and in e-mails).
    contact_email = models.EmailField(_("contact e-mail for participants"), blank=True)
    # A video-call service's base address; a slot set to "generate a link" gets base + an unguessable room name
    # per booking (for example https://meet.jit.si/).
    video_call_base_url = models.URLField(_("video-call base address"), blank=True)
    # Retention (studies.services.retention, run daily by beat). Empty keeps the data.
    raw_audio_retention_days = models.PositiveIntegerField(
        _("delete raw recordings this many days after their transcript is approved"), null=True, blank=True
    )
    contact_retention_days = models.PositiveIntegerField(
        _("delete contact details this many days after the study closes"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The stage at which a participant starts counting towards quota strata.
    # Reminders to people who were invited but did not consent, or consented but did not book: after this many days
    # without a step, at most this many times (0 turns them off).
    nudge_after_days = models.PositiveSmallIntegerField(_("remind after (days)"), default=4)
    nudge_max_count = models.PositiveSmallIntegerField(_("reminders at most"), default=2)
    # What a participant reads when the team sends them their transcript to check: redacted (the default) or as said.
    member_check_raw = models.BooleanField(_("send the unredacted transcript for member checking"), default=False)
    # De-identification: words the entity finder never proposes (chatbots, apps). None means the platform's list
    # (review.redaction.keep.DEFAULT_KEEP_TERMS), so a study that never changed it gets later additions.
    deid_keep_terms = models.JSONField(_("words never proposed for removal"), null=True, blank=True, default=None)
    deid_keep_countries = models.BooleanField(_("never propose country names for removal"), default=True)
    quota_stage = models.CharField(
        _("quotas count at"), max_length=16, choices=QuotaStage.choices, default=QuotaStage.CONSENTED
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="StudyMembership", related_name="studies", blank=True
    )

    class Meta:
        verbose_name = _("study")
        verbose_name_plural = _("studies")
        ordering = ("title",)

    def __str__(self) -> str:
        return self.title

    def description_in(self, language: str) -> str:
        """The description in `language`, else in the study's first language."""
        first = (self.languages or ["en"])[0]
        return self.descriptions.get(language) or self.descriptions.get(first, "")


class StudyMembership(TimeStampedModel):
    """One person's role on one study; every view and endpoint checks it (studies.permissions)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("study", "user"), name="one_role_per_person_per_study"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_is_known"),
        ]

    @property
    def is_manager(self) -> bool:
        """Owners and researchers run the study (templates ask this; views check studies.permissions)."""
        return self.role in (Role.OWNER, Role.RESEARCHER)

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} on {self.study_id}"


class ConsentItem(models.TextChoices):
    """Per-item choices of an e-consent form."""

    AUDIO_RECORDING = "audio_recording", _("Audio recording of the interview")
    AUTOMATIC_TRANSCRIPTION = "automatic_transcription", _("Automatic transcription of the recording")
    VERBATIM_QUOTES = "verbatim_quotes", _("Anonymised verbatim quotes in publications")
    FUTURE_REUSE = "future_reuse", _("Reuse of the anonymised data in future research")
    FOLLOW_UP_CONTACT = "follow_up_contact", _("Being contacted for follow-up")


class Participant(TimeStampedModel):
    """A person taking part, known in research data only by a pseudonymous code (for example P-7K3Q).

    Contact details live apart, encrypted (studies.ContactDetails); nothing here identifies the person.
    """

    class Status(models.TextChoices):
        SCREENED = "screened", _("Screened")
        ELIGIBLE = "eligible", _("Eligible")
        INELIGIBLE = "ineligible", _("Ineligible")
        FLAGGED = "flagged", _("Flagged for review")
        WAITLISTED = "waitlisted", _("Waitlisted")
        INVITED = "invited", _("Invited")
        CONSENTED = "consented", _("Consented")
        SCHEDULED = "scheduled", _("Scheduled")
        INTERVIEWED = "interviewed", _("Interviewed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class WithdrawalScope(models.TextChoices):
        KEEP_DATA = "keep_data", _("Stop taking part, keep what was collected")
        DELETE_ALL = "delete_all", _("Delete everything")

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="participants")
    code = models.CharField(_("pseudonym"), max_length=16, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCREENED, db_index=True)
    language = models.CharField(_("language"), max_length=12, default="en")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_scope = models.CharField(max_length=16, choices=WithdrawalScope.choices, blank=True)
    # IANA time zone the participant chose (or their browser reported) for showing interview times.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    # Reminders sent for the step they are at (reset when they take it) and when the last one went.
    nudges_sent = models.PositiveSmallIntegerField(default=0)
    last_nudged_at = models.DateTimeField(null=True, blank=True)
    # Bumped to revoke every magic link issued before (links carry the version they were signed with).
    link_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return self.code


class ContactDetails(TimeStampedModel):
    """Direct identifiers, encrypted at rest; readable only by owner, researcher and interviewer roles."""

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="contact")
    name = EncryptedTextField(blank=True)
    email = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    # Keyed hashes (config.crypto.keyed_hash) for duplicate detection without plaintext.
    email_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"contact of {self.participant_id}"


class ConsentDocument(TimeStampedModel):
    """One version of a study's consent form in one language (Markdown, rendered safely)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="consent_documents")
    language = models.CharField(max_length=12)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body_markdown = models.TextField()
    # {key: {"required": bool, "label": str, "position": int}}: the items this form asks about. Keys are the team's
    # own stable names, the same in every language; the ConsentItem keys (audio_recording, ...) are the ones the
    # platform enforces, and a missing label falls back to ConsentItem's. PostgreSQL's jsonb does not keep key
    # order, so the order is `position` (read through `ordered_items`).
    items = models.JSONField(default=dict)
    # [{"question": str, "choices": [str, ...], "answer": int}]: must be answered correctly before signing.
    comprehension_questions = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("study", "language", "version"), name="one_consent_version_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version} ({self.language})"

    def ordered_items(self) -> list[tuple[str, dict[str, object]]]:
        """The items in the order the team set (rows written before `position` existed keep their stored order)."""
        indexed = sorted(enumerate(self.items.items()), key=lambda pair: (pair[1][1].get("position", 0), pair[0]))
        return [entry for _index, entry in indexed]


class Consent(TimeStampedModel):
    """A participant's signed consent to one document version, with a choice per item."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="consents")
    # {item: bool}; an item the document did not ask about is absent, and absent means no.
    choices = models.JSONField(default=dict)
    signature_name = EncryptedTextField()
    signed_at = models.DateTimeField()
    ip_address = EncryptedTextField(blank=True)
    language = models.CharField(max_length=12)
    text_sha256 = models.CharField(max_length=64)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-signed_at",)

    def __str__(self) -> str:
        return f"consent of {self.participant_id} to {self.document_id}"


class Interview(TimeStampedModel):
    """One interview with one participant (live, by phone, in person, or asynchronous voice answers)."""

    class Mode(models.TextChoices):
        VIDEO = "video", _("Video call")
        PHONE = "phone", _("Phone")
        IN_PERSON = "in_person", _("In person")
        ASYNC_VOICE = "async_voice", _("Asynchronous voice answers")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("Missed (no-show)")

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="interviews")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="interviews")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.VIDEO)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    scheduled_start = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(default=60)
    slot = models.ForeignKey("studies.Slot", null=True, blank=True, on_delete=models.PROTECT, related_name="interviews")
    # The meeting link made for this booking (a generated room) or copied from the slot; shown to the person only.
    meeting_link = models.CharField(max_length=300, blank=True)
    # When the interviewer started it on the interview page: a distress mark's time in the recording counts from
    # here.
    started_at = models.DateTimeField(null=True, blank=True)
    reminder_24h_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_1h_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-scheduled_start",)
        constraints = [
            # Double booking is impossible: a slot holds at most one scheduled interview ...
            models.UniqueConstraint(
                fields=("slot",), condition=models.Q(status="scheduled"), name="one_booking_per_slot"
            ),
            # ... and a participant holds at most one booked slot at a time.
            models.UniqueConstraint(
                fields=("participant",),
                condition=models.Q(status="scheduled", slot__isnull=False),
                name="one_booked_slot_per_participant",
            ),
        ]

    def __str__(self) -> str:
        return f"interview {self.pk} with {self.participant_id}"
