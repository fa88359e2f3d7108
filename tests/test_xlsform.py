"""An XLSForm written the way KoboToolbox writes them (two label languages, a group, selected() in relevant, a
constraint with its message, a calculation, notes, a date, a select_multiple) imports through the service, both
commands (in-process and as a real `manage.py` process for its exit code) and the page; its export converts with
pyxform, the reference implementation, to an XForm that keeps every question, the skip logic and both languages.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from lxml import etree
from pyxform.xls2xform import convert  # type: ignore[import-untyped]

from accounts.models import AuditEntry, User
from studies.models import Question, Questionnaire, Section, Study
from studies.services.questionnaire_versions import definition
from studies.xlsform.importer import export_xlsform, import_xlsform
from tests.xlsformkit import KOBO_QUESTIONS, kobo_form, row

ROOT = Path(__file__).resolve().parent.parent
XF = "{http://www.w3.org/2002/xforms}"


@pytest.fixture
def bilingual(study: Study) -> Study:
    study.languages = ["en", "es"]
    study.save(update_fields=["languages"])
    return study


def imported(study: Study) -> Questionnaire:
    return import_xlsform(study=study, data=kobo_form(), filename="kobo.xlsx", kind="background").questionnaire


def check_kobo_questionnaire(questionnaire: Questionnaire) -> None:
    questions = {question.key: question for question in questionnaire.questions.select_related("section")}
    assert {key: (q.kind, q.section.key if q.section else "") for key, q in questions.items()} == KOBO_QUESTIONS
    assert [q.key for q in questionnaire.questions.order_by("position")] == list(KOBO_QUESTIONS)
    assert questionnaire.published_at is None  # a draft
    age, sleep = questions["age"], questions["sleep_hours"]
    assert age.text == {"en": "How old are you?", "es": "¿Cuántos años tiene?"}
    assert age.help_text == {"en": "In whole years.", "es": "En años cumplidos."}
    assert (sleep.min_value, sleep.max_value, sleep.required) == (0, 24, True)
    assert sleep.validation_message["es"] == "Una noche tiene como mucho 24 horas."
    assert questions["helped"].conditions == [{"key": "support", "op": "selected", "value": "crisis"}]
    assert questions["what_happened"].conditions == [
        {"key": "support", "op": "selected", "value": "crisis"},
        {"key": "helped", "op": "eq", "value": "no"},
    ]
    assert questions["score"].calculation == "${sleep_hours} * 2 + ${age} / 10"
    assert [choice["value"] for choice in questions["support"].choices] == ["listening", "advice", "crisis"]
    sections = [(section.key, section.title["en"]) for section in questionnaire.sections.order_by("position")]
    assert sections == [("crisis_block", "About a difficult moment"), ("part_2", "Part 2")]
    assert Section.objects.get(key="crisis_block").title["es"] == "Sobre un momento difícil"


def test_a_kobo_form_imports_through_the_service(bilingual: Study) -> None:
    result = import_xlsform(study=bilingual, data=kobo_form(), filename="kobo.xlsx", kind="background")
    check_kobo_questionnaire(result.questionnaire)
    assert result.questionnaire.title == {"en": "Chatbot support"}
    # The metadata rows (start, end) are left out with a note each, not silently; so is the new section.
    assert [(note.row, note.column) for note in result.notes] == [(2, "type"), (3, "type"), (12, "type")]
    entry = AuditEntry.objects.get(action="questionnaire.imported")
    assert entry.detail == {
        "questionnaire": result.questionnaire.pk,
        "kind": "background",
        "questions": 9,
        "source": "xlsform",
    }


def test_the_command_imports_it_and_prints_the_id_last(bilingual: Study, tmp_path: Path) -> None:
    path = tmp_path / "kobo.xlsx"
    path.write_bytes(kobo_form())
    out, err = io.StringIO(), io.StringIO()
    call_command("import_xlsform", bilingual.slug, str(path), "--kind", "wellbeing", stdout=out, stderr=err)
    last = out.getvalue().strip().splitlines()[-1]
    questionnaire = Questionnaire.objects.get(pk=int(last))
    assert questionnaire.kind == "wellbeing"
    check_kobo_questionnaire(questionnaire)
    assert err.getvalue().count("note:") == 3


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    """`manage.py` as a separate process on this test's database (committed: the test is transactional)."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_manage_py_exits_non_zero_on_refusal_and_prints_the_id_last_on_success(tmp_path: Path) -> None:
    study = Study.objects.create(title="Process study", slug="process-study", languages=["en", "es"])
    good, bad = tmp_path / "kobo.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(kobo_form())
    bad.write_bytes(b"not a workbook at all")

    refused = manage("import_xlsform", study.slug, str(bad))
    assert refused.returncode != 0
    assert "This is not an Excel workbook" in refused.stderr
    assert not Questionnaire.objects.filter(study=study).exists()

    done = manage("import_xlsform", study.slug, str(good))
    assert done.returncode == 0, done.stderr
    questionnaire = Questionnaire.objects.get(pk=int(done.stdout.strip().splitlines()[-1]))
    check_kobo_questionnaire(questionnaire)

    out = tmp_path / "out.xlsx"
    exported = manage("export_xlsform", study.slug, str(questionnaire.pk), str(out))
    assert exported.returncode == 0, exported.stderr
    assert "age" in convert(out.read_bytes(), file_type=".xlsx").xform


def test_the_page_imports_it_and_opens_the_draft(bilingual: Study, researcher: User) -> None:
    client = Client()
    client.force_login(researcher)
    page = client.get(reverse("studies:questionnaires", args=[bilingual.slug]))
    assert b"Import a questionnaire (XLSForm or REDCap data dictionary)" in page.content
    upload = SimpleUploadedFile("kobo.xlsx", kobo_form())
    url = reverse("studies:questionnaire_import", args=[bilingual.slug])
    response = client.post(url, {"file": upload, "kind": "feedback", "available_from": "interviewed"})
    questionnaire = Questionnaire.objects.get(study=bilingual)
    assert response.status_code == 302
    assert response["Location"] == reverse("studies:questionnaire", args=[bilingual.slug, questionnaire.pk])
    assert (questionnaire.kind, questionnaire.available_from) == ("feedback", "interviewed")
    check_kobo_questionnaire(questionnaire)
    opened = client.get(response["Location"])
    assert b"Export as XLSForm" in opened.content
    assert "Left out" in opened.content.decode()  # the notes, shown once


def test_only_owners_and_researchers_import_and_export(bilingual: Study, viewer: User, interviewer: User) -> None:
    questionnaire = imported(bilingual)
    for user in (viewer, interviewer):
        client = Client()
        client.force_login(user)
        upload = SimpleUploadedFile("kobo.xlsx", kobo_form())
        url = reverse("studies:questionnaire_import", args=[bilingual.slug])
        assert client.post(url, {"file": upload, "kind": "feedback", "available_from": "consented"}).status_code == 403
        export = reverse("studies:questionnaire_xlsform", args=[bilingual.slug, questionnaire.pk])
        assert client.get(export).status_code == 403
        page = client.get(reverse("studies:questionnaire", args=[bilingual.slug, questionnaire.pk]))
        assert b"Export as XLSForm" not in page.content
    assert Questionnaire.objects.filter(study=bilingual).count() == 1


def xform_of(data: bytes) -> tuple[etree._Element, list[str]]:
    warnings: list[str] = []
    result = convert(data, warnings=warnings, file_type=".xlsx", form_name="data")
    return etree.fromstring(result.xform.encode()), warnings


def test_its_export_converts_with_pyxform_keeping_questions_logic_and_languages(bilingual: Study) -> None:
    questionnaire = imported(bilingual)
    root, warnings = xform_of(export_xlsform(questionnaire=questionnaire))
    assert warnings == []
    binds = {bind.get("nodeset"): bind for bind in root.iter(f"{XF}bind")}
    expected = {
        "/data/intro",
        "/data/age",
        "/data/first_use",
        "/data/support",
        "/data/crisis_block/helped",
        "/data/crisis_block/what_happened",
        "/data/part_2/sleep_hours",
        "/data/part_2/score",
        "/data/part_2/thanks",
    }
    assert expected <= set(binds)
    assert {group.get("ref") for group in root.iter(f"{XF}group")} == {"/data/crisis_block", "/data/part_2"}
    assert binds["/data/age"].get("type") == "int"
    assert binds["/data/part_2/sleep_hours"].get("constraint") == ". >= 0 and . <= 24"
    assert binds["/data/first_use"].get("type") == "date"
    assert binds["/data/part_2/score"].get("calculate") == " /data/part_2/sleep_hours  * 2 +  /data/age  div 10"
    assert binds["/data/crisis_block/helped"].get("relevant") == "selected( /data/support , 'crisis')"
    assert binds["/data/crisis_block/what_happened"].get("relevant") == (
        "selected( /data/support , 'crisis') and  /data/crisis_block/helped  = 'no'"
    )
    translations = {t.get("lang"): t for t in root.iter(f"{XF}translation")}
    assert set(translations) == {"English (en)", "Spanish (es)"}
    spanish = {text.get("id"): "".join(text.itertext()) for text in translations["Spanish (es)"].iter(f"{XF}text")}
    assert spanish["/data/age:label"] == "¿Cuántos años tiene?"
    assert spanish["/data/part_2/sleep_hours:jr:constraintMsg"] == "Una noche tiene como mucho 24 horas."
    assert spanish["/data/crisis_block:label"] == "Sobre un momento difícil"
    assert spanish["/data/crisis_block/what_happened:label"] == "¿Qué pasó?"
    assert "Ayuda en una crisis" in spanish.values()
    # Piping: ${age} in a label becomes an <output> of the answer.
    assert any(output.get("value") == " /data/age " for output in root.iter(f"{XF}output"))


def test_an_exported_form_imports_back_as_the_same_questionnaire(bilingual: Study) -> None:
    first = imported(bilingual)
    data = export_xlsform(questionnaire=first)
    second = import_xlsform(study=bilingual, data=data, filename="again.xlsx", kind="feedback").questionnaire
    assert definition(second) == definition(first)
    assert Question.objects.filter(questionnaire=second).count() == 9


def test_an_export_pyxform_refuses_is_not_handed_out(bilingual: Study, owner: User, tmp_path: Path) -> None:
    """A key may start with a digit here, not in an XForm: the page says why, the command writes nothing."""
    data = kobo_form([row("text", "2nd_visit", "Second visit?", "¿Segunda visita?")])
    questionnaire = import_xlsform(study=bilingual, data=data, filename="k.xlsx", kind="feedback").questionnaire
    client = Client()
    client.force_login(owner)
    response = client.get(
        reverse("studies:questionnaire_xlsform", args=[bilingual.slug, questionnaire.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("studies:questionnaire", args=[bilingual.slug, questionnaire.pk])
    assert "cannot be written as an XLSForm" in response.content.decode()
    out = tmp_path / "out.xlsx"
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("export_xlsform", bilingual.slug, str(questionnaire.pk), str(out))
    assert not out.exists()
    assert not AuditEntry.objects.filter(action="questionnaire.exported_xlsform").exists()
