"""The coding queue: approved transcript versions are shared among a study's coders by its CodingPolicy.

Who codes what:
- the coders are those chosen in the policy, or (none chosen) every member with the coder role;
- a transcript is double-coded when a hash of its id falls in the policy's `double_share` percent, so the
  choice is the same every time it is computed (re-approving or re-running never reshuffles);
- each place goes to the least-loaded coder first: fewest assignments not yet done, then fewest in all,
  then the lowest user id, so ties break the same way every time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from coding.models import Coding, CodingAssignment, CodingPolicy
from studies.models import Role, Study, StudyMembership
from transcription.models import Transcript, TranscriptVersion


def policy_for(study: Study) -> CodingPolicy:
    """The study's coding policy, made with the defaults (25% double-coded by two coders) on first use."""
    policy, _ = CodingPolicy.objects.get_or_create(study=study)
    return policy


def is_double_coded(*, transcript_id: int, share: int) -> bool:
    """Whether this transcript falls in the double-coded share (0-100 %): a stable hash, not a random draw."""
    digest = hashlib.sha256(f"coding-share:{transcript_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < share


def eligible_coders(study: Study, policy: CodingPolicy) -> list[User]:
    """The policy's coders who are still members of the study (chosen ones), or every member with the coder role."""
    members = StudyMembership.objects.filter(study=study)
    chosen = list(policy.coders.values_list("id", flat=True))
    members = members.filter(user_id__in=chosen) if chosen else members.filter(role=Role.CODER)
    return list(User.objects.filter(id__in=members.values("user_id")).order_by("id"))


def least_loaded(coders: Sequence[User], *, study: Study, wanted: int) -> list[User]:
    """The `wanted` coders with the fewest open assignments in this study (ties: fewest in all, lowest id)."""
    in_study = Q(coding_assignments__transcript__recording__interview__study=study)
    open_ = in_study & ~Q(coding_assignments__status=CodingAssignment.Status.DONE)
    loads = (
        User.objects.filter(id__in=[c.id for c in coders])
        .annotate(
            open_count=Count("coding_assignments", filter=open_), total=Count("coding_assignments", filter=in_study)
        )
        .order_by("open_count", "total", "id")
    )
    return list(loads[:wanted])


def _move_untouched(transcript: Transcript, version: TranscriptVersion) -> None:
    """A newly approved version replaces the old one in assignments nobody has begun (no codings yet)."""
    stale = CodingAssignment.objects.filter(transcript=transcript, status=CodingAssignment.Status.ASSIGNED).exclude(
        transcript_version=version
    )
    for assignment in stale:
        if not Coding.objects.filter(transcript_version=assignment.transcript_version, coder=assignment.coder).exists():
            CodingAssignment.objects.filter(pk=assignment.pk).update(transcript_version=version)


@transaction.atomic
def enqueue_approved_version(*, version: TranscriptVersion) -> list[CodingAssignment]:
    """Put an approved, redacted transcript version in its study's coding queue; returns its assignments.

    For the transcript review service (issue 5): call this inside the transaction that approves `version`,
    after the transcript's state is set to approved. It assigns the version to one coder, or to
    `coders_per_double` coders when the transcript falls in the policy's double-coded share, picking the
    least-loaded coders first. Idempotent: a transcript that already has its assignments gets none added
    (calling twice changes nothing), and re-approving a later version moves only assignments nobody has begun.
    With no eligible coder it assigns nothing and returns an empty list; calling again once coders exist
    fills the places. The transcript moves to "in coding" once it has an assignment. Roles are not checked
    here: the caller has checked that the approver may approve.
    """
    transcript = Transcript.objects.select_for_update().get(pk=version.transcript_id)
    study = Study.objects.select_for_update().get(pk=transcript.recording.interview.study_id)
    policy = policy_for(study)
    _move_untouched(transcript, version)
    existing = list(CodingAssignment.objects.filter(transcript=transcript))
    double = is_double_coded(transcript_id=transcript.id, share=policy.double_share)
    places = (policy.coders_per_double if double else 1) - len(existing)
    taken = {a.coder_id for a in existing}
    candidates = [c for c in eligible_coders(study, policy) if c.id not in taken]
    for coder in least_loaded(candidates, study=study, wanted=max(places, 0)):
        existing.append(CodingAssignment.objects.create(transcript=transcript, transcript_version=version, coder=coder))
    if existing and transcript.state == Transcript.State.APPROVED:
        # update() skips auto_now: a state change must move updated_at for API syncs (`?updated_since=`).
        Transcript.objects.filter(pk=transcript.pk).update(state=Transcript.State.IN_CODING, updated_at=timezone.now())
    return existing


def mark_transcript_coded(*, transcript_id: int) -> None:
    """Once every assignment of a transcript is done, its state becomes "coded" (from "in coding" only)."""
    if not CodingAssignment.objects.filter(transcript_id=transcript_id).exclude(status="done").exists():
        Transcript.objects.filter(pk=transcript_id, state=Transcript.State.IN_CODING).update(
            state=Transcript.State.CODED, updated_at=timezone.now()
        )


def next_assignment(*, study: Study, coder: User) -> CodingAssignment | None:
    """The coder's next piece of work in this study: one in progress first, then the oldest assigned."""
    mine = CodingAssignment.objects.filter(transcript__recording__interview__study=study, coder=coder)
    return (
        mine.filter(status=CodingAssignment.Status.IN_PROGRESS).order_by("started_at", "id").first()
        or mine.filter(status=CodingAssignment.Status.ASSIGNED).order_by("created_at", "id").first()
    )


@transaction.atomic
def update_policy(*, study: Study, double_share: int, coders_per_double: int, coders: Sequence[User]) -> CodingPolicy:
    """Change the study's policy; it applies to transcripts queued from now on (assignments made stay)."""
    if not 0 <= double_share <= 100:
        raise ValueError(gettext("The double-coded share is a percentage from 0 to 100."))
    if coders_per_double < 2:
        raise ValueError(gettext("Double coding needs at least two coders."))
    members = set(StudyMembership.objects.filter(study=study).values_list("user_id", flat=True))
    if any(c.id not in members for c in coders):
        raise ValueError(gettext("Every chosen coder must be a member of the study."))
    policy = policy_for(study)
    policy.double_share, policy.coders_per_double = double_share, coders_per_double
    policy.save(update_fields=["double_share", "coders_per_double", "updated_at"])
    policy.coders.set(coders)
    return policy
