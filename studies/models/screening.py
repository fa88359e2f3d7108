"""Questionnaires (screening and later stages), their questions, eligibility rules, responses and quotas.

Question texts and choice labels are stored per study language as {"en": "...", "es": "..."}; the page
shows the current language and falls back to the study's first language.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from config.fields import SealedJSONField
from studies.models.core import Participant, Study


class Questionnaire(TimeStampedModel):
    class Stage(models.TextChoices):
        CONSENTED = "consented", _("After consent")
        SCHEDULED = "scheduled", _("After booking an interview")
        INTERVIEWED = "interviewed", _("After the interview")

    class Kind(models.TextChoices):
        SCREENING = "screening", _("Screening")
        BACKGROUND = "background", _("Background")
        WELLBEING = "wellbeing", _("Well-being")
        FEEDBACK = "feedback", _("Feedback")

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="questionnaires")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SCREENING)
    title = models.JSONField(_("title per language"), default=dict)
    # Responses faster than this are flagged as likely automated.
    min_completion_seconds = models.PositiveIntegerField(_("minimum completion time (seconds)"), default=20)
    # For questionnaires other than screening: the stage from which participants are asked to answer it.
    available_from = models.CharField(
        _("asked from the stage"), max_length=16, choices=Stage.choices, default=Stage.CONSENTED
    )
    # The live questions are version `version`; earlier versions are frozen in QuestionnaireVersion. An edit after
    # someone answered the current version starts the next one (studies.services.questionnaire_versions).
    version = models.PositiveIntegerField(_("version"), default=1)
    # Participants see a published questionnaire only; one made in the builder or imported starts as a draft
    # (None), one loaded from seeds or a set-up file is published as it is made.
    published_at = models.DateTimeField(_("published"), null=True, blank=True, default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("study",), condition=models.Q(kind="screening"), name="one_screening_questionnaire_per_study"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} questionnaire of {self.study_id}"


class Section(TimeStampedModel):
    """A titled part of a questionnaire (an XLSForm group); participants answer it as one step."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(default=0)
    key = models.SlugField(_("key"), max_length=60)
    title = models.JSONField(_("title per language"), default=dict)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=("questionnaire", "key"), name="section_key_unique_in_questionnaire")
        ]

    def __str__(self) -> str:
        return self.key


class QuestionnaireVersion(models.Model):
    """A past version of a questionnaire, frozen when an edit started the next one: what its respondents saw."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # {"title": {...}, "sections": [{"key", "title"}], "questions": [{...fields, "section": key}]}
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("number",)
        constraints = [models.UniqueConstraint(fields=("questionnaire", "number"), name="questionnaire_version_unique")]

    def __str__(self) -> str:
        return f"version {self.number} of questionnaire {self.questionnaire_id}"


class Question(TimeStampedModel):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Number")
        LIKERT = "likert", _("Likert scale")
        COUNTRY = "country", _("Country (ISO 3166)")
        LANGUAGE = "language", _("Language (ISO 639)")
        BIRTH_YEAR = "birth_year", _("Year of birth")
        AGE = "age", _("Age")
        CONFIRM = "confirm", _("Confirmation checkbox")
        DATE = "date", _("Date")
        TIME = "time", _("Time of day")
        EMAIL = "email", _("Email address")
        PHONE = "phone", _("Phone number")
        MATRIX = "matrix", _("Matrix of Likert rows")
        NOTE = "note", _("Descriptive text (no answer)")
        SLIDER = "slider", _("Slider (0-100)")
        CALCULATED = "calculated", _("Calculated value")

    class Match(models.TextChoices):
        ALL = "all", _("all of these hold")
        ANY = "any", _("any of these holds")

    # What a person writes in their own words (a name, a city, what happened to them), and contact details and
    # dates someone could be found by: sealed wherever stored, never among the plain attributes.
    FREE_TEXT_KINDS = frozenset({Kind.SHORT_TEXT, Kind.LONG_TEXT, Kind.EMAIL, Kind.PHONE, Kind.DATE, Kind.TIME})
    # Shown, never answered: a note's text, a value the server computes.
    UNANSWERED_KINDS = frozenset({Kind.NOTE, Kind.CALCULATED})

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, null=True, blank=True, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    key = models.SlugField(_("key"), max_length=60, help_text=_("Short name used in rules, quotas and exports."))
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    text = models.JSONField(_("text per language"), default=dict)
    help_text = models.JSONField(_("help per language"), default=dict, blank=True)
    # [{"value": "yes", "labels": {"en": "Yes", "es": "Sí"}}] for single, multiple and Likert questions.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)
    min_value = models.IntegerField(null=True, blank=True)
    max_value = models.IntegerField(null=True, blank=True)
    # A matrix's rows [{"key": "sleep", "labels": {...}}]; its `choices` are the columns. Row r of question q is
    # answered as "q_r" (as an XLSForm field-list group names it).
    rows = models.JSONField(_("rows"), default=list, blank=True)
    # Skip logic (studies.logic): shown only when all (or any) of the conditions on earlier answers hold,
    # [{"key": "used_chatbot", "op": "eq", "value": "yes"}]. A hidden question never keeps an answer.
    conditions = models.JSONField(_("shown only if"), default=list, blank=True)
    condition_match = models.CharField(max_length=3, choices=Match.choices, default=Match.ALL)
    # A calculated value: "${a} + ${b} * 2" over earlier answers (studies.logic).
    calculation = models.CharField(_("calculation"), max_length=500, blank=True)
    # Validation beyond the type: length of a text, a pattern it must match, and the message when it does not.
    min_length = models.PositiveIntegerField(_("shortest answer"), null=True, blank=True)
    max_length = models.PositiveIntegerField(_("longest answer"), null=True, blank=True)
    pattern = models.CharField(_("pattern (regular expression)"), max_length=200, blank=True)
    validation_message = models.JSONField(_("message when the answer does not fit, per language"), default=dict)
    # A risk item: any answer in `risk_values` shows crisis resources and alerts the safety contact.
    is_risk_item = models.BooleanField(_("risk item"), default=False)
    risk_values = models.JSONField(default=list, blank=True)
    # An attention check: any other answer flags the response for review.
    is_attention_check = models.BooleanField(_("attention check"), default=False)
    attention_answer = models.CharField(max_length=120, blank=True)
    # An item of a scored scale (studies.scales): which scale, and which item of it (1-based); scored on submission.
    scale_key = models.SlugField(_("scale"), max_length=16, blank=True)
    scale_item = models.PositiveSmallIntegerField(_("scale item"), null=True, blank=True)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=("questionnaire", "key"), name="question_key_unique_in_questionnaire"),
            # A scale is added once per questionnaire: two of its item 3 could not be scored.
            models.UniqueConstraint(
                fields=("questionnaire", "scale_key", "scale_item"),
                condition=~models.Q(scale_key=""),
                name="scale_item_unique_in_questionnaire",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class EligibilityRule(TimeStampedModel):
    """A declarative rule over an answer or a derived value (`age`, `region`); all rules must hold."""

    class Operator(models.TextChoices):
        EQUALS = "eq", "="
        NOT_EQUALS = "neq", "≠"
        IN = "in", _("is one of")
        NOT_IN = "not_in", _("is not one of")
        AT_LEAST = "gte", "≥"
        AT_MOST = "lte", "≤"
        INCLUDES = "includes", _("includes (multiple choice)")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="rules")
    key = models.SlugField(_("question key or derived value"), max_length=60)
    operator = models.CharField(max_length=12, choices=Operator.choices)
    value = models.JSONField(help_text=_('A number, a text, or a list such as ["US", "GB"].'))
    # Shown to researchers only; participants see a kind message that does not reveal the rule.
    description = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.key} {self.operator} {self.value}"


class ScreeningResponse(TimeStampedModel):
    """One submitted questionnaire. `form_token` is unique, so a replayed submission cannot save twice."""

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class Review(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        PENDING = "pending", _("Pending")
        CLEARED = "cleared", _("Cleared")
        REJECTED = "rejected", _("Rejected")

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="screening_responses")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="responses")
    form_token = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=12)
    # Every answer as given, free text included: sealed at rest (not queryable in the database).
    answers = SealedJSONField(default=dict)
    # The closed answers (choices, numbers, country, language) plus derived values (age, age_band, region) that
    # rules, quotas, dashboards and exports query: plain, and never free text (Question.FREE_TEXT_KINDS).
    attributes = models.JSONField(default=dict)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField()
    eligible = models.BooleanField(null=True)
    eligibility_reasons = models.JSONField(default=list)
    risk_level = models.CharField(max_length=8, choices=Risk.choices, default=Risk.LOW)
    risk_reasons = models.JSONField(default=list)
    review = models.CharField(max_length=12, choices=Review.choices, default=Review.NOT_NEEDED, db_index=True)
    # Keyed hash of IP address + user agent: duplicate detection without storing either.
    client_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # The questionnaire's version this person answered (its questions then: QuestionnaireVersion or the live ones).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("-submitted_at",)
        indexes = [models.Index(fields=("study", "client_hash", "submitted_at"), name="response_client_window")]

    def __str__(self) -> str:
        return f"response {self.pk} of {self.participant_id}"


class Stratum(TimeStampedModel):
    """A quota cell: people whose `key` (an answer or derived value) is one of `values`, and who also meet every
    entry of `conditions` ([{"key": ..., "values": [...]}], for intersectional cells such as women in Africa)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="strata")
    name = models.CharField(max_length=120)
    key = models.SlugField(_("question key or derived value"), max_length=60)
    values = models.JSONField(default=list)
    conditions = models.JSONField(default=list, blank=True)
    target = models.PositiveIntegerField()
    maximum = models.PositiveIntegerField()

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "strata"
        constraints = [
            models.CheckConstraint(condition=models.Q(maximum__gte=models.F("target")), name="stratum_max_ge_target"),
            models.UniqueConstraint(fields=("study", "name"), name="stratum_name_unique_in_study"),
        ]

    def __str__(self) -> str:
        return self.name

    def matches(self, attributes: dict[str, object]) -> bool:
        dimensions = [(self.key, self.values), *((c["key"], c["values"]) for c in self.conditions)]
        return all(_has_one_of(attributes.get(key), values) for key, values in dimensions)


def _has_one_of(value: object, values: list[object]) -> bool:
    allowed = set(map(str, values))
    if isinstance(value, list):
        return any(str(item) in allowed for item in value)
    return value is not None and str(value) in allowed


class QuestionnaireNotice(TimeStampedModel):
    """The email telling a participant that a later-stage questionnaire is due: at most one per pair.

    The row is the claim (inserted before sending; the unique constraint lets one sender through).
    `sent_at` stays empty when the person had no usable email address then; they are not asked again by email.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="questionnaire_notices")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="notices")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("participant", "questionnaire"), name="one_questionnaire_notice_per_participant"
            )
        ]

    def __str__(self) -> str:
        return f"notice of questionnaire {self.questionnaire_id} to {self.participant_id}"
