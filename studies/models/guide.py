"""A study's interview guide: the ordered questions that participants answer by voice in the browser
(asynchronous voice interviews) and that interviewers can follow in live ones."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from config.fields import EncryptedTextField
from studies.models.core import Study

DEFAULT_ANSWER_SECONDS = 180
MIN_ANSWER_SECONDS = 10
MAX_ANSWER_SECONDS = 1800


class GuideQuestion(TimeStampedModel):
    """One question of a study's guide: its prompt per study language and the longest answer it takes.

    Positions are 1, 2, 3 … within a study (unique); studies.services.guide keeps them so while adding,
    moving and deleting, under a lock on the study row.
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="guide_questions")
    position = models.PositiveIntegerField(_("position"))
    # {"en": "…", "es": "…"}: the study's languages; the first one is the fallback.
    prompt = models.JSONField(_("question per language"), default=dict)
    max_seconds = models.PositiveIntegerField(_("longest answer (seconds)"), default=DEFAULT_ANSWER_SECONDS)

    class Meta:
        verbose_name = _("interview guide question")
        verbose_name_plural = _("interview guide questions")
        ordering = ("study", "position")
        constraints = [
            models.UniqueConstraint(fields=("study", "position"), name="one_guide_question_per_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="guide_positions_start_at_one"),
            models.CheckConstraint(
                condition=Q(max_seconds__gte=MIN_ANSWER_SECONDS) & Q(max_seconds__lte=MAX_ANSWER_SECONDS),
                name="guide_answer_length_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"guide question {self.position} of study {self.study_id}"

    def prompt_in(self, language: str) -> str:
        """The prompt in `language`, else in the study's first language, else in any language it has."""
        fallback = (self.study.languages or ["en"])[0]
        texts = self.prompt if isinstance(self.prompt, dict) else {}
        return texts.get(language.split("-")[0]) or texts.get(fallback) or next(iter(texts.values()), "")


class InterviewNote(TimeStampedModel):
    """A note an interviewer takes during an interview: when, and how far into it (from the interview's start, so
    it can be found in the recording once uploaded). The text may say anything about the person: encrypted, for
    the people who run interviews (owners, researchers, interviewers)."""

    interview = models.ForeignKey("studies.Interview", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = EncryptedTextField(_("note"))
    written_at = models.DateTimeField()
    # Seconds from Interview.started_at; None when the interview was not started on its page.
    offset = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ("written_at", "id")
        constraints = [
            models.CheckConstraint(condition=Q(offset__isnull=True) | Q(offset__gte=0), name="note_offset_not_negative")
        ]

    def __str__(self) -> str:
        return f"note {self.pk} on interview {self.interview_id}"
