"""Hostile spreadsheets sent to "Import a questionnaire": wrong sheets, formulas, 10,000 rows, unknown types,
broken expressions, a Word document renamed .xlsx, an empty file, a ZIP bomb. Each gets a clear list of problems by
row and column (400 on the page, a non-zero exit from the command), never a server error, and creates nothing:
questionnaires, sections and questions are counted before and after."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from studies.models import Question, Questionnaire, Section, Study
from tests.xlsformkit import KOBO_CHOICES, KOBO_SETTINGS, KOBO_SURVEY, kobo_form, row, survey_rows, workbook


@pytest.fixture
def bilingual(study: Study) -> Study:
    study.languages = ["en", "es"]
    study.save(update_fields=["languages"])
    return study


def counts() -> tuple[int, int, int]:
    return Questionnaire.objects.count(), Section.objects.count(), Question.objects.count()


def with_rows(*extra: dict[str, str]) -> bytes:
    return kobo_form([*KOBO_SURVEY, *extra])


def formula() -> bytes:
    rows = survey_rows(KOBO_SURVEY)
    rows[4][2] = "=CONCATENATE(B2, B3)"  # survey row 5: the English label of "age"
    return workbook({"survey": rows, "choices": KOBO_CHOICES, "settings": KOBO_SETTINGS})


def ten_thousand_rows() -> bytes:
    choices = [*KOBO_CHOICES, *(["many", f"v{n}", f"Value {n}", f"Valor {n}"] for n in range(10_001))]
    return kobo_form(choices=choices)


def too_many_questions() -> bytes:
    return kobo_form([row("integer", f"q{n}", f"Question {n}", f"Pregunta {n}") for n in range(501)])


def word_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


def broken_xlsx() -> bytes:
    """A ZIP with the parts' names and nonsense inside."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("xl/workbook.xml", "not xml at all <<<")
    return out.getvalue()


def entity_expansion() -> bytes:
    """A real workbook whose survey sheet declares nested entities (a "billion laughs")."""
    laughs = '<!DOCTYPE s [<!ENTITY a "hahahahaha">' + "".join(
        f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(8)
    )
    source = zipfile.ZipFile(io.BytesIO(kobo_form()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index("<worksheet")
                data = (text[:start] + laughs + "]>" + text[start:].replace("How old are you?", "&i;")).encode()
            archive.writestr(member, data)
    return out.getvalue()


# name -> (file, what the problem list must say, (sheet, row, column) of the first problem or None)
CASES: dict[str, tuple[Callable[[], bytes], str, tuple[str, int | None, str] | None]] = {
    "empty file": (lambda: b"", "The file is empty.", None),
    "word document renamed": (word_document, "This is a Word document", None),
    "plain text renamed": (lambda: b"type,name\ninteger,age\n", "This is not an Excel workbook", None),
    "zip bomb": (zip_bomb, "unpacks to far more data", None),
    "broken parts": (broken_xlsx, "cannot be read as an Excel workbook", None),
    "entity expansion": (entity_expansion, "cannot be read as an Excel workbook", None),
    "too large": (lambda: b"PK" + b"\0" * (5 * 1024 * 1024), "larger than 5 MB", None),
    "wrong sheets": (lambda: workbook({"Sheet1": [["type", "name"], ["integer", "age"]]}), "named “survey”", None),
    "formula": (formula, "holds a formula", ("survey", 5, "label::English (en)")),
    "10,000 rows": (ten_thousand_rows, "More than 10,000 rows", ("choices", 10_002, "")),
    "501 questions": (too_many_questions, "More than 500 questions", ("survey", 502, "")),
    "unknown type": (lambda: with_rows(row("geopoint", "where", "Where?", "¿Dónde?")), "no question of the type", None),
    "made-up type": (lambda: with_rows(row("sparkles", "x", "X", "X")), "“sparkles”", ("survey", 15, "type")),
    "decimal": (lambda: with_rows(row("decimal", "weight", "Weight", "Peso")), "use integer", ("survey", 15, "type")),
    "repeat": (lambda: with_rows(row("begin_repeat", "kids", "Kids", "Niños")), "Repeated groups", None),
    "broken relevant": (
        lambda: with_rows(row("text", "why", "Why?", "¿Por qué?", relevant="${support} = ")),
        "cannot be imported",
        ("survey", 15, "relevant"),
    ),
    "function in relevant": (
        lambda: with_rows(row("text", "why", "Why?", "¿Por qué?", relevant="count-selected(${support}) > 1")),
        "cannot be imported",
        ("survey", 15, "relevant"),
    ),
    "and with or": (
        lambda: with_rows(
            row("text", "why", "Why?", "¿Por qué?", relevant="${age} > 30 and ${age} < 60 or ${helped} = 'no'")
        ),
        "mixes “and” with “or”",
        ("survey", 15, "relevant"),
    ),
    "today() in constraint": (
        lambda: with_rows(row("date", "when", "When?", "¿Cuándo?", constraint=". <= today()")),
        "remove this constraint",
        ("survey", 15, "constraint"),
    ),
    "function in calculation": (
        lambda: with_rows(row("calculate", "total", calculation="sum(${age})")),
        "cannot be imported",
        ("survey", 15, "calculation"),
    ),
    "unknown reference": (
        lambda: with_rows(row("text", "why", "Why?", "¿Por qué?", relevant="${nowhere} = 'x'")),
        "not an earlier question",
        ("survey", 15, ""),
    ),
    "group in a group": (
        lambda: with_rows(
            row("begin_group", "outer", "Outer", "Fuera"),
            row("begin_group", "inner", "Inner", "Dentro"),
            row("text", "deep", "Deep", "Hondo"),
            row("end_group"),
            row("end_group"),
        ),
        "A group inside a group",
        ("survey", 16, "type"),
    ),
    "unclosed group": (lambda: with_rows(row("begin_group", "open", "Open", "Abierto")), "never closed", None),
    "missing list": (
        lambda: with_rows(row("select_one colours", "colour", "Colour", "Color")),
        "no list “colours”",
        ("survey", 15, "type"),
    ),
    "choice filter": (
        lambda: with_rows(row("select_one yes_no", "again", "Again?", "¿Otra vez?", choice_filter="name != 'no'")),
        "cannot do what this column asks",
        None,
    ),
}


def post(client: Client, study: Study, data: bytes, name: str = "form.xlsx") -> tuple[int, str]:
    upload = SimpleUploadedFile(name, data)
    url = reverse("studies:questionnaire_import", args=[study.slug])
    response = client.post(url, {"file": upload, "kind": "background", "available_from": "consented"})
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_spreadsheet_gets_its_problems_listed_and_creates_nothing(
    case: str, bilingual: Study, owner: User, tmp_path: Path
) -> None:
    make, expected, where = CASES[case]
    data = make()
    before = counts()
    client = Client()
    client.force_login(owner)
    status, page = post(client, bilingual, data)
    assert status == 400
    assert "Nothing was imported" in page
    assert expected in page.replace("&#x27;", "'").replace("&quot;", '"'), page[-3000:]
    assert counts() == before

    path = tmp_path / "form.xlsx"
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_xlsform", bilingual.slug, str(path), stderr=err)
    assert expected in err.getvalue()
    if where is not None:
        sheet, number, column = where
        first = next(line for line in err.getvalue().splitlines() if expected in line)
        assert f"sheet “{sheet}”" in first
        assert f"row {number}" in first
        assert (f"column “{column}”" in first) if column else "column" not in first
    assert counts() == before


def test_a_study_language_without_a_label_column_is_one_problem(study: Study, owner: User) -> None:
    study.languages = ["en", "es", "hi"]
    study.save(update_fields=["languages"])
    client = Client()
    client.force_login(owner)
    status, page = post(client, study, kobo_form())
    assert status == 400
    assert page.count("The study is also in “hi”") == 1
    assert Questionnaire.objects.count() == 0


def test_an_empty_form_post_is_refused_on_the_page(bilingual: Study, researcher: User) -> None:
    client = Client()
    client.force_login(researcher)
    response = client.post(reverse("studies:questionnaire_import", args=[bilingual.slug]), {})
    assert response.status_code == 400
    assert b'href="#id_import_file"' in response.content  # the error summary links to the file field
    assert Questionnaire.objects.count() == 0
