"""Codebook, codebook versions and (once transcripts exist) codings, assignments and memos.

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
