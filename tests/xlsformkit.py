"""XLSForms built in the tests with openpyxl, as KoboToolbox writes them: a `survey` sheet with `label::English (en)`
and `label::Español (es)` columns, metadata rows first, a `choices` and a `settings` sheet."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

EN, ES = "English (en)", "Español (es)"
SURVEY_HEADER = [
    "type",
    "name",
    f"label::{EN}",
    f"label::{ES}",
    f"hint::{EN}",
    f"hint::{ES}",
    "required",
    "relevant",
    "constraint",
    f"constraint_message::{EN}",
    f"constraint_message::{ES}",
    "calculation",
    "appearance",
]


def row(kind: str, name: str = "", en: str = "", es: str = "", **cells: str) -> dict[str, str]:
    """One survey row: type, name, English and Spanish labels, and any other column by name (hint_en, …)."""
    return {"type": kind, "name": name, f"label::{EN}": en, f"label::{ES}": es, **_columns(cells)}


def _columns(cells: dict[str, str]) -> dict[str, str]:
    names = {
        "hint_en": f"hint::{EN}",
        "hint_es": f"hint::{ES}",
        "message_en": f"constraint_message::{EN}",
        "message_es": f"constraint_message::{ES}",
    }
    return {names.get(key, key): value for key, value in cells.items()}


KOBO_SURVEY = [
    row("start", "start"),
    row("end", "end"),
    row("note", "intro", "Thank you for taking part.", "Gracias por participar."),
    row(
        "integer",
        "age",
        "How old are you?",
        "¿Cuántos años tiene?",
        hint_en="In whole years.",
        hint_es="En años cumplidos.",
        required="yes",
    ),
    row("date", "first_use", "When did you first use a chatbot?", "¿Cuándo usó un chatbot por primera vez?"),
    row(
        "select_multiple support",
        "support",
        "What did the chatbot give you?",
        "¿Qué le dio el chatbot?",
        required="yes",
    ),
    row(
        "begin_group",
        "crisis_block",
        "About a difficult moment",
        "Sobre un momento difícil",
        relevant="selected(${support}, 'crisis')",
    ),
    row("select_one yes_no", "helped", "Did it help you then?", "¿Le ayudó entonces?", required="yes"),
    row(
        "text",
        "what_happened",
        "What happened?",
        "¿Qué pasó?",
        relevant="${helped} = 'no'",
        appearance="multiline",
    ),
    row("end_group"),
    row(
        "integer",
        "sleep_hours",
        "Hours of sleep last night",
        "Horas de sueño anoche",
        required="yes",
        constraint=". >= 0 and . <= 24",
        message_en="A night has at most 24 hours.",
        message_es="Una noche tiene como mucho 24 horas.",
    ),
    row("calculate", "score", calculation="${sleep_hours} * 2 + ${age} div 10"),
    row("note", "thanks", "You said you are ${age}. Thank you!", "Dijo que tiene ${age} años. ¡Gracias!"),
]
KOBO_CHOICES = [
    ["list_name", "name", f"label::{EN}", f"label::{ES}"],
    ["yes_no", "yes", "Yes", "Sí"],
    ["yes_no", "no", "No", "No"],
    ["support", "listening", "Someone listening", "Alguien que escucha"],
    ["support", "advice", "Advice", "Consejos"],
    ["support", "crisis", "Help in a crisis", "Ayuda en una crisis"],
]
KOBO_SETTINGS = [
    ["form_title", "form_id", "version", "default_language"],
    ["Chatbot support", "chatbot_support", "2024053101", EN],
]
# What the Kobo form becomes: key -> (type, section). An integer named age is the platform's own age; the questions
# after the group form a section of their own.
KOBO_QUESTIONS = {
    "intro": ("note", ""),
    "age": ("age", ""),
    "first_use": ("date", ""),
    "support": ("multiple", ""),
    "helped": ("single", "crisis_block"),
    "what_happened": ("long_text", "crisis_block"),
    "sleep_hours": ("number", "part_2"),
    "score": ("calculated", "part_2"),
    "thanks": ("note", "part_2"),
}


def survey_rows(rows: list[dict[str, str]]) -> list[list[str]]:
    """The rows under the Kobo header, plus a column for any other name a row uses (choice_filter, …)."""
    extra = [column for cells in rows for column in cells if column not in SURVEY_HEADER]
    header = SURVEY_HEADER + list(dict.fromkeys(extra))
    return [header, *([cells.get(column, "") for column in header] for cells in rows)]


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An .xlsx with these sheets, in order, each a list of rows."""
    book = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for values in rows:
            sheet.append([value if value != "" else None for value in values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def kobo_form(survey: list[dict[str, str]] | None = None, choices: list[list[str]] | None = None) -> bytes:
    return workbook(
        {
            "survey": survey_rows(survey if survey is not None else KOBO_SURVEY),
            "choices": choices if choices is not None else KOBO_CHOICES,
            "settings": KOBO_SETTINGS,
        }
    )
