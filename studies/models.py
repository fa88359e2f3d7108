"""Studies and their teams. Recruitment, consent and scheduling models join this module's app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    RESEARCHER = "researcher", _("Researcher")
    INTERVIEWER = "interviewer", _("Interviewer")
    CODER = "coder", _("Coder")
    VIEWER = "viewer", _("Viewer")


class Study(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RECRUITING = "recruiting", _("Recruiting")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    ethics_reference = models.CharField(_("ethics approval reference"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # ISO 639-1 codes of the languages the study is offered in; the first is the default.
    languages = models.JSONField(_("languages"), default=list, blank=True)
    target_sample_size = models.PositiveIntegerField(_("target sample size"), default=20)
    safety_contact_email = models.EmailField(_("safety contact email"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="StudyMembership", related_name="studies", blank=True
    )

    class Meta:
        verbose_name = _("study")
        verbose_name_plural = _("studies")
        ordering = ("title",)

    def __str__(self) -> str:
        return self.title


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

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} on {self.study_id}"
