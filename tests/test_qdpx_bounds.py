"""A .qdpx import unpacks each member once and refuses a project that unpacks to more than its budget: a small
upload that names one highly compressed member many times cannot make the server unpack it again and again."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from exports.refi_project import reader
from exports.refi_project.reader import ProjectFormatError, read_qdpx

SOURCE = """<TextSource guid="9999999{n}-2222-3333-4444-555555555555" name="copy {n}"
  plainTextPath="internal://same.txt"/>"""


def project_naming_one_member(times: int, size: int) -> io.BytesIO:
    sources = "".join(SOURCE.format(n=n) for n in range(times))
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="p"><Sources>{sources}</Sources></Project>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("Sources/same.txt", " " * size)  # packs to a few kilobytes
    buffer.seek(0)
    return buffer


def test_a_member_named_many_times_is_unpacked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    unpacked: list[str] = []
    original = zipfile.ZipFile.read

    def counting(self: zipfile.ZipFile, name: Any, pwd: bytes | None = None) -> bytes:
        unpacked.append(name if isinstance(name, str) else name.filename)
        return original(self, name, pwd)

    monkeypatch.setattr(zipfile.ZipFile, "read", counting)
    upload = project_naming_one_member(times=8, size=4 * 2**20)
    assert len(upload.getvalue()) < 64 * 1024
    project = read_qdpx(upload)
    assert len(list(project.sources)) == 8
    assert unpacked == ["project.qde", "Sources/same.txt"]


def test_a_project_that_unpacks_past_the_budget_is_refused_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reader, "MAX_TOTAL", 2 * 2**20)
    with pytest.raises(ProjectFormatError, match="unpacks to more than 2 MiB"):
        read_qdpx(project_naming_one_member(times=2, size=3 * 2**20))
    assert len(list(read_qdpx(project_naming_one_member(times=2, size=2**20)).sources)) == 2
