"""Shared pieces of the review views: who may do what, finding a transcript in the study, auditing raw reads."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.audit import record_event
from review.redaction import Kind
from review.selectors import RAW_ROLES
from studies.models import StudyMembership
from transcription.models import Transcript, TranscriptVersion

# Raw text and the tag table are for owner and researcher only, so the editor (which shows raw text) is theirs.
# Interviewers know the participant but are not given raw transcripts: the issue limits raw text to these roles.
EDITORS = RAW_ROLES


def transcript_of(membership: StudyMembership, transcript_id: int) -> Transcript:
    return get_object_or_404(
        Transcript.objects.select_related("recording__interview__participant"),
        id=transcript_id,
        recording__interview__study=membership.study,
    )


def audit_raw_view(request: HttpRequest, membership: StudyMembership, version: TranscriptVersion, *, page: str) -> None:
    """Every view of raw (unredacted) text leaves an entry: who, which version, on which page."""
    record_event(
        action="transcript.raw_viewed",
        request=request,
        study_id=membership.study_id,
        target=version,
        detail={"transcript": version.transcript_id, "version": version.number, "page": page},
    )


def int_param(value: object, default: int | None = None) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def kind_labels() -> dict[str, str]:
    """What each kind of identifier is called on the page (the value stays the code the server stores)."""
    return {
        Kind.NAME: _("Person"),
        Kind.PLACE: _("Place"),
        Kind.ORGANISATION: _("Organisation"),
        Kind.EMAIL: _("Email address"),
        Kind.PHONE: _("Phone number"),
        Kind.URL: _("Web address"),
        Kind.HANDLE: _("Handle"),
        Kind.ADDRESS: _("Postal address"),
        Kind.ID_NUMBER: _("ID number"),
        Kind.DATE_OF_BIRTH: _("Date of birth"),
        Kind.OTHER: _("Other"),
    }


def kind_label(kind: str) -> str:
    return kind_labels().get(kind, kind)
