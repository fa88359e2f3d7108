"""The coding panel's pieces: progress per coder and the double-coded versions waiting for adjudication."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from coding.models import Adjudication, Code, Coding, CodingAssignment
from studies.models import Study
from transcription.models import TranscriptVersion

ADJUDICATIONS_SHOWN = 10


@dataclass(frozen=True)
class CoderProgress:
    name: str
    assigned: int
    in_progress: int
    done: int
    codings: int

    @property
    def total(self) -> int:
        return self.assigned + self.in_progress + self.done


@dataclass(frozen=True)
class PendingAdjudication:
    version_id: int
    participant: str
    status: str  # "open", or "" when nobody has started it


def progress_per_coder(*, study: Study) -> list[CoderProgress]:
    """Each coder's assignments by state and own codings (consensus codings are nobody's own), by name."""
    A = CodingAssignment.Status
    per_coder = (
        CodingAssignment.objects.filter(transcript__recording__interview__study=study)
        .order_by()
        .values("coder_id", "coder__display_name", "coder__email")
        .annotate(
            assigned=Count("id", filter=Q(status=A.ASSIGNED)),
            in_progress=Count("id", filter=Q(status=A.IN_PROGRESS)),
            done=Count("id", filter=Q(status=A.DONE)),
        )
    )
    own = Coding.objects.filter(code__study=study, consensus=False).order_by()
    codings = dict(own.values_list("coder_id").annotate(n=Count("id")))
    coders = [
        CoderProgress(
            row["coder__display_name"] or row["coder__email"],
            row["assigned"],
            row["in_progress"],
            row["done"],
            codings.get(row["coder_id"], 0),
        )
        for row in per_coder
    ]
    return sorted(coders, key=lambda coder: coder.name.casefold())


def adjudication_status(versions: list[int]) -> dict[int, str]:
    """Version id -> the status of its adjudication, for the versions that have one."""
    rows = Adjudication.objects.filter(transcript_version_id__in=versions)
    return dict(rows.values_list("transcript_version_id", "status"))


def pending_adjudications(versions: list[int], status: dict[int, str]) -> list[PendingAdjudication]:
    """The first few double-coded versions whose adjudication is open or not started, with the pseudonym."""
    waiting = [v for v in versions if status.get(v) != Adjudication.Status.DONE][:ADJUDICATIONS_SHOWN]
    codes = dict(
        TranscriptVersion.objects.filter(id__in=waiting).values_list(
            "id", "transcript__recording__interview__participant__code"
        )
    )
    return [PendingAdjudication(v, codes.get(v, "?"), status.get(v, "")) for v in sorted(waiting)]


def code_names(study: Study) -> dict[int, str]:
    return dict(Code.objects.filter(study=study).values_list("id", "name"))
