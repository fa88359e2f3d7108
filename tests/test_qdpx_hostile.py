"""Hostile .qdpx files sent to "Import a project as a new study": each gets a clear report on the page (400, never a
server error) and creates nothing at all, counted table by table before and after."""

from __future__ import annotations

import struct
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, User
from coding.models import Code, CodebookVersion, Coding, Memo
from studies.models import Interview, Participant, Question, ScreeningResponse, Study
from tests.qdpxkit import TEXT_A, TEXT_B, TEXT_C, guid, hand_written, hand_written_qde, packed
from transcription.models import Recording, Segment, Transcript

pytestmark = pytest.mark.django_db

TABLES: list[type[models.Model]] = [
    Study,
    User,
    Participant,
    ScreeningResponse,
    Question,
    Interview,
    Recording,
    Transcript,
    Segment,
    Code,
    CodebookVersion,
    Coding,
    Memo,
    AuditEntry,
]


def _declared(data: bytes, name: str, size: int) -> bytes:
    """The archive with `name`'s uncompressed size rewritten to `size` in its local and central headers."""
    raw, encoded = bytearray(data), name.encode()
    for signature, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        at = raw.find(signature)
        while at >= 0:
            if raw[at + name_at : at + name_at + len(encoded)] == encoded:
                raw[at + size_at : at + size_at + 4] = struct.pack("<I", size)
            at = raw.find(signature, at + 1)
    return bytes(raw)


def _texts(**changes: str) -> dict[str, bytes | str]:
    return {"sources/a.txt": TEXT_A, "sources/b.txt": TEXT_B, "sources/c.txt": TEXT_C, **changes}


HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "not a zip": (lambda: b"PK but not really a zip", "a .qdpx file is a ZIP archive"),
    "broken XML": (lambda: packed({"project.qde": hand_written_qde()[:700], **_texts()}), "not well-formed XML"),
    "offsets past the end": (lambda: hand_written(hand_written_qde(selection_end_shift=5)), "outside the"),
    "unknown code GUID": (lambda: hand_written(hand_written_qde(code_ref="missing")), "not in the codebook"),
    "unknown user GUID": (
        lambda: hand_written(hand_written_qde().replace(f'<User guid="{guid("ben")}" name="Ben Coder"/>', "")),
        "names a user who is not in the project",
    ),
    "unknown source GUID in a case": (
        lambda: hand_written(
            hand_written_qde().replace(
                f'<SourceRef targetGUID="{guid("b")}"/>', f'<SourceRef targetGUID="{guid("zz")}"/>'
            )
        ),
        "refers to a source that is not in the project",
    ),
    "unknown note GUID": (
        lambda: hand_written(
            hand_written_qde().replace(
                f'<NoteRef targetGUID="{guid("source-note")}"/>', f'<NoteRef targetGUID="{guid("zz")}"/>'
            )
        ),
        "refers to a note that is not in the project",
    ),
    "a member declaring a huge size": (
        lambda: _declared(hand_written(), "sources/a.txt", 2**32 - 1),
        "is larger than 64 MiB",
    ),
    "a member expanding past what it declares": (
        lambda: _declared(
            packed({"project.qde": hand_written_qde(), **_texts(**{"sources/a.txt": TEXT_A * 4000})}),
            "sources/a.txt",
            len(TEXT_A.encode()),
        ),
        "is damaged",
    ),
    "a member climbing out with ../": (lambda: hand_written(**{"../evil.txt": "x"}), "outside the project"),
    "an absolute member path": (lambda: hand_written(**{"/etc/evil.txt": "x"}), "outside the project"),
    "a backslash path": (lambda: hand_written(**{"sources\\evil.txt": "x"}), "outside the project"),
    "a source path climbing out": (
        lambda: hand_written(hand_written_qde().replace("internal://a.txt", "internal://../a.txt")),
        "outside the project",
    ),
}


def _counts() -> dict[str, int]:
    return {table.__name__: table._default_manager.count() for table in TABLES}


@pytest.fixture
def creator(study: Study, owner: User) -> Client:
    owner.can_create_studies = True
    owner.save()
    client = Client()
    client.force_login(owner)
    return client


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_file_gets_a_clear_report_and_creates_nothing(study: Study, creator: Client, case: str) -> None:
    make, reason = HOSTILE[case]
    data = make()
    before = _counts()
    upload = SimpleUploadedFile("hostile.qdpx", data, content_type="application/zip")
    response = creator.post(
        reverse("exports:import_new_study", args=[study.slug]), {"project": upload, "slug": "hostile"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert reason in page
    assert _counts() == before
