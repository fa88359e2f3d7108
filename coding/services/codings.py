"""Codings, coding assignments and memos.

Callers check study roles (studies.permissions) first. These functions keep the domain rules: a coding lies inside
its transcript version's text and uses a codable code of the same study, made under the current codebook version;
only the coder who made a coding changes it (coders stay blind to each other until adjudication); assignments move
assigned -> in_progress -> done by conditional updates, so two requests cannot both make the same move.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from coding.models import Code, Coding, CodingAssignment, Memo
from coding.services.codebook import current_codebook_version
from coding.services.queue import mark_transcript_coded
from studies.models import Study
from transcription.models import Transcript, TranscriptVersion


class CodingError(ValueError):
    """A coding, assignment or memo change that cannot be made; the message is safe to show."""


def study_id_of(transcript: Transcript) -> int:
    return Transcript.objects.filter(pk=transcript.pk).values_list("recording__interview__study_id", flat=True).get()


def _checked_span(version: TranscriptVersion, start: int, end: int) -> str:
    """The text of [start, end) in code points, after checking the span lies inside the version's text."""
    text = version.text()
    if not 0 <= start < end <= len(text):
        raise CodingError(
            _("The span %(start)d-%(end)d is not inside the transcript (0-%(length)d).")
            % {"start": start, "end": end, "length": len(text)}
        )
    return text[start:end]


def _checked_code(code: Code, version: TranscriptVersion) -> None:
    if code.study_id != study_id_of(version.transcript):
        raise CodingError(_("That code belongs to another study."))
    if not code.is_codable:
        raise CodingError(
            _("'%(code)s' is a folder for other codes and cannot be applied itself.") % {"code": code.name}
        )


@transaction.atomic
def add_coding(*, version: TranscriptVersion, coder: User, code: Code, start: int, end: int, memo: str = "") -> Coding:
    """Apply `code` to text[start:end] (code points) of `version` for `coder`; starts their assignment if new."""
    _checked_code(code, version)
    codebook_version = current_codebook_version(study=code.study)
    if codebook_version is None:
        raise CodingError(_("The codebook has no version yet."))
    own = Coding.objects.filter(transcript_version=version, coder=coder, consensus=False)
    if own.filter(code=code, start=start, end=end).exists():
        raise CodingError(_("You have already applied this code to exactly this span."))
    coding = Coding.objects.create(
        transcript_version=version,
        start=start,
        end=end,
        text=_checked_span(version, start, end),
        code=code,
        coder=coder,
        codebook_version=codebook_version,
        memo=memo.strip(),
    )
    CodingAssignment.objects.filter(
        transcript_id=version.transcript_id, coder=coder, status=CodingAssignment.Status.ASSIGNED
    ).update(status=CodingAssignment.Status.IN_PROGRESS, started_at=timezone.now())
    return coding


@transaction.atomic
def add_codings(
    *, version: TranscriptVersion, coder: User, codes: list[Code], start: int, end: int, memo: str = ""
) -> list[Coding]:
    """Apply several codes to one span at once: all are saved, or (one refused) none."""
    if not codes:
        raise CodingError(_("Choose at least one code."))
    return [add_coding(version=version, coder=coder, code=c, start=start, end=end, memo=memo) for c in codes]


def _own(coding: Coding, coder: User) -> Coding:
    locked = Coding.objects.select_for_update().get(pk=coding.pk)
    if locked.coder_id != coder.id or locked.consensus:
        raise CodingError(_("Only the coder who made a coding can change it."))
    return locked


@transaction.atomic
def edit_coding(*, coding: Coding, coder: User, start: int, end: int, memo: str, code: Code | None = None) -> Coding:
    """Change a coding's span, memo or code (keeping its codebook version unless the code changes)."""
    coding = _own(coding, coder)
    version = coding.transcript_version
    if code is not None and code.id != coding.code_id:
        _checked_code(code, version)
        if Coding.objects.filter(
            transcript_version=version, coder=coder, consensus=False, code=code, start=start, end=end
        ).exists():
            raise CodingError(_("You have already applied this code to exactly this span."))
        coding.code = code
        coding.codebook_version = current_codebook_version(study=code.study) or coding.codebook_version
    coding.start, coding.end, coding.memo = start, end, memo.strip()
    coding.text = _checked_span(version, start, end)
    coding.save()
    return coding


@transaction.atomic
def remove_coding(*, coding: Coding, coder: User) -> None:
    """Delete one of the coder's own codings."""
    _own(coding, coder).delete()


@transaction.atomic
def assign_transcript(*, transcript: Transcript, version: TranscriptVersion, coder: User) -> CodingAssignment:
    """Give `coder` the approved `version` of `transcript` to code (one assignment per coder and transcript)."""
    if version.transcript_id != transcript.id:
        raise CodingError(_("That version belongs to another transcript."))
    if CodingAssignment.objects.filter(transcript=transcript, coder=coder).exists():
        raise CodingError(_("This coder already has this transcript."))
    return CodingAssignment.objects.create(transcript=transcript, transcript_version=version, coder=coder)


def start_assignment(*, assignment: CodingAssignment) -> bool:
    """Move assigned -> in progress; False if it was not in the assigned state (someone else moved it)."""
    moved = CodingAssignment.objects.filter(pk=assignment.pk, status=CodingAssignment.Status.ASSIGNED).update(
        status=CodingAssignment.Status.IN_PROGRESS, started_at=timezone.now()
    )
    return moved == 1


@transaction.atomic
def finish_assignment(*, assignment: CodingAssignment) -> bool:
    """Move assigned or in progress -> done; False if it was done already. The last one done marks the
    transcript coded."""
    now = timezone.now()
    moved = (
        CodingAssignment.objects.filter(pk=assignment.pk)
        .exclude(status=CodingAssignment.Status.DONE)
        .update(status=CodingAssignment.Status.DONE, finished_at=now)
    )
    CodingAssignment.objects.filter(pk=assignment.pk, started_at__isnull=True).update(started_at=now)
    if moved:
        mark_transcript_coded(transcript_id=assignment.transcript_id)
    return moved == 1


@transaction.atomic
def write_memo(
    *,
    study: Study,
    author: User,
    text: str,
    title: str = "",
    transcript: Transcript | None = None,
    code: Code | None = None,
) -> Memo:
    """A memo on a transcript, on a code, or (neither given) free-standing."""
    if transcript is not None and code is not None:
        raise CodingError(_("A memo is on a transcript or on a code, not both."))
    if not text.strip():
        raise CodingError(_("A memo needs some text."))
    if (code is not None and code.study_id != study.id) or (
        transcript is not None and study_id_of(transcript) != study.id
    ):
        raise CodingError(_("The memo's transcript or code belongs to another study."))
    return Memo.objects.create(
        study=study, author=author, title=title.strip()[:200], text=text.strip(), transcript=transcript, code=code
    )


@transaction.atomic
def edit_memo(*, memo: Memo, author: User, text: str, title: str = "") -> Memo:
    """Rewrite one of the author's own memos."""
    memo = Memo.objects.select_for_update().get(pk=memo.pk)
    if memo.author_id != author.id:
        raise CodingError(_("Only the memo's author can change it."))
    if not text.strip():
        raise CodingError(_("A memo needs some text."))
    memo.title, memo.text = title.strip()[:200], text.strip()
    memo.save(update_fields=["title", "text", "updated_at"])
    return memo


@transaction.atomic
def delete_memo(*, memo: Memo, author: User) -> None:
    """Delete one of the author's own memos."""
    if Memo.objects.filter(pk=memo.pk).exclude(author=author).exists():
        raise CodingError(_("Only the memo's author can delete it."))
    Memo.objects.filter(pk=memo.pk).delete()
