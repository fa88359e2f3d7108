"""Crisis resources shown to people who report a crisis, and the log of every such safety event with its
follow-up by the research team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from config.fields import EncryptedTextField
from studies.models.core import Interview, Participant, Study
from studies.models.guide import GuideQuestion


class CrisisResource(TimeStampedModel):
    """A helpline or service. An empty country means everywhere (the international fallback); an empty language
    means any language.

    Rows without a study are the platform's defaults (seeded by a data migration); a study with rows of its own
    shows only those, which its team maintains on the study's safety set-up page.
    """

    study = models.ForeignKey(Study, null=True, blank=True, on_delete=models.CASCADE, related_name="crisis_resources")

    country = models.CharField(_("country (ISO 3166 alpha-2)"), max_length=2, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    name = models.CharField(_("name"), max_length=160)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    url = models.URLField(_("web address"), blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "name")

    def __str__(self) -> str:
        return f"{self.name} ({self.country or 'all'})"


class SafetyContact(TimeStampedModel):
    """A person the team names to act on safety alerts: every contact with an e-mail address is alerted."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="safety_contacts")
    name = models.CharField(_("name"), max_length=160)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # How and when to reach them (hours, time zone, a deputy): free text for the team.
    notes = models.CharField(_("how to reach them"), max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.CheckConstraint(condition=~Q(email="") | ~Q(phone=""), name="safety_contact_is_reachable"),
        ]

    def __str__(self) -> str:
        return f"safety contact {self.pk} of {self.study_id}"


class SafetyEvent(TimeStampedModel):
    """A moment that calls for the study's safety protocol, and the team's follow-up of it.

    Three kinds: a risk item answered in a triggering way (holds which question, never the answer); distress an
    interviewer marked during a live interview (when, how far into the recording, the assessment's outcome and
    the interviewer's note, encrypted); and a participant who opened "I need support" in a voice interview (which
    question they were at, whether they stopped; never any content).

    The team's follow-up is tracked on the row (studies.services.safety.follow_up_safety_event): who moved it
    last, when, and a short note, encrypted at rest because it may say how the person is doing; a distress
    protocol also sets when it is due, who does it and how (studies.services.distress).
    """

    class Kind(models.TextChoices):
        RISK_ITEM = "risk_item", _("Risk answer in a questionnaire")
        INTERVIEW_DISTRESS = "interview_distress", _("Distress during an interview")
        PARTICIPANT_SUPPORT = "participant_support", _("Participant asked for support")

    class Outcome(models.TextChoices):
        CONTINUE = "continue", _("Continue the interview")
        PAUSE = "pause", _("Pause, then resume")
        RESCHEDULE = "reschedule", _("Reschedule")
        STOP = "stop", _("Stop the interview")
        URGENT_HELP = "urgent_help", _("Get urgent help")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone call")
        EMAIL = "email", _("E-mail")
        VIDEO = "video", _("Video call")
        PORTAL = "portal", _("Message in the participant's page")

    class FollowUp(models.TextChoices):
        OPEN = "open", _("awaiting follow-up")
        CONTACTED = "contacted", _("contacted")
        RESOLVED = "resolved", _("resolved")

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="safety_events")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="safety_events")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, default=Kind.RISK_ITEM)
    # A risk item's key; empty for the other kinds.
    question_key = models.SlugField(max_length=60, blank=True)
    interview = models.ForeignKey(
        Interview, null=True, blank=True, on_delete=models.CASCADE, related_name="safety_events"
    )
    # The guide question a participant was at when they asked for support in a voice interview.
    guide_question = models.ForeignKey(
        GuideQuestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(_("marked at"), null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Seconds into the interview's recording: from the interview's start when marked, corrected by the team once
    # the recording is uploaded. Review flags the segments around it.
    recording_offset = models.FloatField(_("time in the recording (seconds)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    # The interviewer's note of the assessment: health information, encrypted, for owners and researchers.
    assessment_note = EncryptedTextField(_("assessment note"), blank=True)
    follow_up_due_at = models.DateTimeField(_("follow-up due"), null=True, blank=True)
    follow_up_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    follow_up_channel = models.CharField(_("follow-up by"), max_length=8, choices=Channel.choices, blank=True)
    # The participant asked that what they said after the mark is not used; the team applies it (a partial
    # withdrawal: studies.services.partial_withdrawal.apply_partial_withdrawal).
    cut_requested_at = models.DateTimeField(null=True, blank=True)
    cut_applied_at = models.DateTimeField(null=True, blank=True)
    cut_applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    follow_up = models.CharField(
        _("follow-up"), max_length=12, choices=FollowUp.choices, default=FollowUp.OPEN, db_index=True
    )
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    followed_up_at = models.DateTimeField(null=True, blank=True)
    follow_up_note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            # An event that was handled says when; an open one carries nothing of a follow-up.
            models.CheckConstraint(
                condition=(Q(follow_up="open") & Q(followed_up_at__isnull=True) & Q(followed_up_by__isnull=True))
                | (~Q(follow_up="open") & Q(followed_up_at__isnull=False)),
                name="safety_follow_up_is_dated",
            ),
            # Resolving needs a word on how (the ciphertext of a non-empty note is never empty).
            models.CheckConstraint(
                condition=~Q(follow_up="resolved") | ~Q(follow_up_note=""), name="safety_resolution_has_a_note"
            ),
            models.CheckConstraint(
                condition=~Q(kind="risk_item") | ~Q(question_key=""), name="safety_risk_item_names_its_question"
            ),
            models.CheckConstraint(
                condition=Q(kind="risk_item") | Q(interview__isnull=False), name="safety_distress_has_an_interview"
            ),
            models.CheckConstraint(
                condition=Q(recording_offset__isnull=True) | Q(recording_offset__gte=0),
                name="safety_offset_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(cut_applied_at__isnull=True) | Q(cut_requested_at__isnull=False),
                name="safety_cut_applied_after_request",
            ),
        ]

    def __str__(self) -> str:
        return f"safety event {self.pk} for {self.participant_id}"


class DistressProtocol(TimeStampedModel):
    """A study's distress protocol for interviews: what the interviewer asks, who is told, and the follow-up.

    A study without a row uses the platform's protocol (studies.services.distress.protocol_for): the default
    questions in each study language, the safety contacts alerted at once for "stop" and "urgent help", and a
    follow-up by the interviewer a day later for every outcome but "continue".
    """

    study = models.OneToOneField(Study, on_delete=models.CASCADE, related_name="distress_protocol")
    # [{"en": "…", "es": "…"}, …]: each assessment question in the study's languages.
    questions = models.JSONField(_("assessment questions"), default=list, blank=True)
    # Outcomes (SafetyEvent.Outcome values) that alert the safety contacts at once, at top priority.
    notify_outcomes = models.JSONField(_("outcomes that alert the safety contacts at once"), default=list, blank=True)
    # Outcomes that schedule a follow-up.
    follow_up_outcomes = models.JSONField(_("outcomes that need a follow-up"), default=list, blank=True)
    follow_up_hours = models.PositiveIntegerField(_("follow-up due after (hours)"), default=24)
    # Who follows up: a team member, else the interviewer who marked the moment.
    follow_up_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    follow_up_channel = models.CharField(
        _("follow-up by"), max_length=8, choices=SafetyEvent.Channel.choices, default=SafetyEvent.Channel.PHONE
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_hours__gte=1) & Q(follow_up_hours__lte=24 * 14),
                name="distress_follow_up_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"distress protocol of {self.study_id}"
