"""Creating a study, changing its settings and moving it through its lifecycle (typed, keyword-only, one
transaction each, audited).

The lifecycle: draft → recruiting ⇄ paused, recruiting/paused → closed → recruiting (reopened) or archived;
a draft nobody ran may be archived, and an archived study taken back out is closed. Every move that starts
recruiting runs the launch checklist (studies.services.launch) and is refused while a required item is missing.
An archived study's set-up is read-only: the set-up services call `check_setup_editable` before writing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import record_event
from accounts.models import User
from studies.iso_names import language_name
from studies.models import (
    ConsentDocument,
    GuideQuestion,
    Participant,
    QuotaStage,
    Role,
    Study,
    StudyMembership,
)
from studies.models import Question as ScreeningQuestion
from studies.services.launch import launch_checklist, missing_items

Status = Study.Status
# The one place the lifecycle lives: from each status, where a study may go.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.RECRUITING, Status.ARCHIVED}),
    Status.RECRUITING: frozenset({Status.PAUSED, Status.CLOSED}),
    Status.PAUSED: frozenset({Status.RECRUITING, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.RECRUITING, Status.ARCHIVED}),
    Status.ARCHIVED: frozenset({Status.CLOSED}),
}
# Statuses in which participants may book a new interview (withdrawal and data access stay open always).
BOOKING_STATUSES = frozenset({Status.RECRUITING, Status.PAUSED})
# Addresses below /studies/ that are pages, not studies.
RESERVED_SLUGS = frozenset({"new", "import", "export", "templates"})
SLUG_MAX_LENGTH = 80


class StudySetupError(Exception):
    """A change that cannot be made; nothing was written. `field` names the form field at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class LaunchRefused(StudySetupError):
    """Recruiting cannot start: `missing` are the checklist items not ready."""

    def __init__(self, message: str, *, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class StudySettings:
    """What the study form edits (the slug aside: it is chosen once, at creation)."""

    title: str
    languages: list[str]
    descriptions: dict[str, str] = field(default_factory=dict)
    target_sample_size: int = 20
    ethics_reference: str = ""
    contact_email: str = ""
    raw_audio_retention_days: int | None = None
    contact_retention_days: int | None = None
    quota_stage: str = QuotaStage.CONSENTED
    video_call_base_url: str = ""
    member_check_raw: bool = False

    def as_fields(self) -> dict[str, Any]:
        values = asdict(self)
        # Descriptions of languages the study no longer offers are not kept.
        values["descriptions"] = {code: text for code, text in self.descriptions.items() if code in self.languages}
        return values


def may_create_studies(user: Any) -> bool:
    """Whether `user` may create studies here (STUDY_CREATION: "anyone" with an account, or those "allowed")."""
    if not getattr(user, "is_authenticated", False):
        return False
    return settings.STUDY_CREATION == "anyone" or bool(user.can_create_studies)


def suggest_slug(title: str) -> str:
    """A free address for a study called `title`: its slug, with -2, -3 … when taken."""
    base = slugify(title)[: SLUG_MAX_LENGTH - 4].strip("-") or "study"
    if base in RESERVED_SLUGS:
        base = f"{base}-study"
    taken = set(Study.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def check_setup_editable(study: Study) -> None:
    """Refuse any change to the set-up of an archived study (its record of what was done is final)."""
    if study.status == Status.ARCHIVED:
        raise StudySetupError(
            _("This study is archived: its set-up can no longer be changed. An owner can take it out of the archive.")
        )


def accepts_new_bookings(study: Study) -> bool:
    """Participants may book a new interview while the study recruits or pauses, not once it is closed."""
    return study.status in BOOKING_STATUSES


def create_draft_study(
    *, creator: User, values: StudySettings, slug: str = "", request: HttpRequest | None = None
) -> Study:
    """Create a draft study with `creator` as its owner. An empty `slug` is made from the title.

    The caller has checked `may_create_studies(creator)`.
    """
    slug = slug or suggest_slug(values.title)
    try:
        with transaction.atomic():
            study = Study.objects.create(slug=slug, status=Status.DRAFT, **values.as_fields())
            StudyMembership.objects.create(study=study, user=creator, role=Role.OWNER)
            record_event(
                action="study.created",
                actor=creator,
                request=request,
                study_id=study.pk,
                target=study,
                detail={"languages": study.languages},
            )
    except IntegrityError as error:  # two people took the same address at once
        raise StudySetupError(_("Another study already uses this address."), field="slug") from error
    return study


@transaction.atomic
def update_study_settings(
    *, study: Study, values: StudySettings, user: User, request: HttpRequest | None = None
) -> Study:
    """Save the study's settings. Refused for an archived study, and when a language still in use would go.

    The caller has checked that `user` is an owner.
    """
    locked = Study.objects.select_for_update().get(pk=study.pk)
    check_setup_editable(locked)
    removed = [code for code in locked.languages if code not in values.languages]
    in_use = languages_in_use(study=locked, languages=removed)
    if in_use:
        raise StudySetupError(_language_in_use_message(in_use), field="languages")
    fields = values.as_fields()
    changed = sorted(name for name, value in fields.items() if getattr(locked, name) != value)
    if changed:
        for name in changed:
            setattr(locked, name, fields[name])
        locked.save(update_fields=[*changed, "updated_at"])
        record_event(
            action="study.updated",
            actor=user,
            request=request,
            study_id=locked.pk,
            target=locked,
            detail={"fields": changed},
        )
    return locked


def languages_in_use(*, study: Study, languages: list[str]) -> dict[str, list[str]]:
    """For each of `languages` that the study's texts or participants still use, what uses it."""
    uses: dict[str, list[str]] = {}
    for code in languages:
        counts = (
            (ConsentDocument.objects.filter(study=study, language=code).count(), _consent_count),
            (_written_in(ScreeningQuestion.objects.filter(questionnaire__study=study), "text", code), _question_count),
            (_written_in(GuideQuestion.objects.filter(study=study), "prompt", code), _guide_count),
            (Participant.objects.filter(study=study, language=code).count(), _participant_count),
        )
        found = [describe(count) for count, describe in counts if count]
        if found:
            uses[code] = found
    return uses


def _written_in(rows: Any, field_name: str, code: str) -> int:
    """How many rows hold a non-empty text for `code` in their per-language JSON field."""
    return int(rows.filter(Q(**{f"{field_name}__has_key": code}) & ~Q(**{f"{field_name}__{code}": ""})).count())


def _consent_count(count: int) -> str:
    return ngettext("%(count)d consent document", "%(count)d consent documents", count) % {"count": count}


def _question_count(count: int) -> str:
    return ngettext("%(count)d questionnaire question", "%(count)d questionnaire questions", count) % {"count": count}


def _guide_count(count: int) -> str:
    return ngettext("%(count)d interview guide question", "%(count)d interview guide questions", count) % {
        "count": count
    }


def _participant_count(count: int) -> str:
    return ngettext("%(count)d participant", "%(count)d participants", count) % {"count": count}


def _language_in_use_message(in_use: dict[str, list[str]]) -> str:
    parts = [
        _("%(language)s (%(code)s) is used by %(uses)s")
        % {"language": language_name(code), "code": code, "uses": ", ".join(uses)}
        for code, uses in in_use.items()
    ]
    return _("A language still in use cannot be removed: %(details)s. Keep it in the list.") % {
        "details": "; ".join(parts)
    }


@transaction.atomic
def change_study_status(*, study: Study, to: str, user: User, request: HttpRequest | None = None) -> Study:
    """Move the study to `to` along TRANSITIONS; starting recruiting needs the launch checklist to pass.

    Refused moves raise StudySetupError (LaunchRefused for the checklist) and change nothing. The caller has
    checked that `user` is an owner.
    """
    locked = Study.objects.select_for_update().get(pk=study.pk)
    previous = locked.status
    if to not in TRANSITIONS.get(previous, frozenset()):
        raise StudySetupError(_refusal(previous, to))
    if to == Status.RECRUITING:
        missing = missing_items(launch_checklist(study=locked))
        if missing:
            raise LaunchRefused(
                _("Recruiting cannot start yet. Missing: %(items)s.") % {"items": "; ".join(c.title for c in missing)},
                missing=[check.code for check in missing],
            )
    locked.status = to
    if to == Status.CLOSED and (previous != Status.ARCHIVED or locked.closed_at is None):
        locked.closed_at = timezone.now()
    elif to == Status.RECRUITING:
        locked.closed_at = None
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    record_event(
        action="study.status_changed",
        actor=user,
        request=request,
        study_id=locked.pk,
        target=locked,
        detail={"from": previous, "to": to},
    )
    return locked


def _refusal(previous: str, to: str) -> str:
    if previous == to:
        return _("The study is already %(status)s.") % {"status": Status(to).label.lower()}
    allowed = ", ".join(str(Status(status).label).lower() for status in sorted(TRANSITIONS.get(previous, ())))
    return _("A study that is %(current)s cannot become %(to)s; from here it can become: %(allowed)s.") % {
        "current": Status(previous).label.lower(),
        "to": Status(to).label.lower(),
        "allowed": allowed,
    }
