"""A questionnaire as an XLSForm (.xlsx): `survey`, `choices` and `settings` sheets that pyxform (the reference
implementation) converts into an XForm for ODK, KoboToolbox or SurveyCTO, and that our importer reads back.

Every study language gets its `label::English (en)`-style columns; sections are groups, a matrix is a field-list
group of select_one rows named `<matrix>_<row>` (the names its answers go by here); skip conditions, bounds,
lengths, patterns and calculations become `relevant`, `constraint` and `calculation`. What XLSForm has no type for
(e-mail, phone, age, year of birth, country, language) is written as the nearest XLSForm type plus a
`platform_type` column that other tools ignore and our importer reads. Risk items and attention checks are the
platform's own: they are not written.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable
from functools import cache
from typing import Any

import pycountry
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from studies.xlsform.expressions import calculation_xpath, constraint_text, relevant_text
from studies.xlsform.languages import column_language

BASE_TYPES = {
    "single": "select_one",
    "multiple": "select_multiple",
    "likert": "select_one",
    "country": "select_one",
    "language": "select_one",
    "short_text": "text",
    "long_text": "text",
    "email": "text",
    "phone": "text",
    "number": "integer",
    "age": "integer",
    "birth_year": "integer",
    "date": "date",
    "time": "time",
    "note": "note",
    "calculated": "calculate",
    "slider": "range",
    "confirm": "acknowledge",
}
# Our types XLSForm has no word for: the nearest type above, and this column to say which.
PLATFORM_TYPES = frozenset({"likert", "country", "language", "email", "phone", "age", "birth_year"})
COUNTRY_LIST, LANGUAGE_LIST = "iso3166", "iso639"
BOUNDED = frozenset({"number"})


def xlsform_bytes(definition: dict[str, Any], *, languages: list[str], form_id: str, version: int) -> bytes:
    """The XLSForm of a questionnaire `definition` (studies.services.questionnaire_versions.definition)."""
    columns = [column_language(code) for code in languages]
    survey_header = [
        "type",
        "name",
        *(f"label::{column}" for column in columns),
        *(f"hint::{column}" for column in columns),
        "required",
        "relevant",
        "constraint",
        *(f"constraint_message::{column}" for column in columns),
        "calculation",
        "appearance",
        "parameters",
        "platform_type",
    ]
    book = Workbook()
    book.remove(book.worksheets[0])
    survey = book.create_sheet("survey")
    choices = book.create_sheet("choices")
    settings = book.create_sheet("settings")
    _append(survey, survey_header)
    _append(choices, ["list_name", "name", *(f"label::{column}" for column in columns)])
    writer = _Writer(survey_header, survey, choices, languages)
    writer.write(definition)
    _append(settings, ["form_title", "form_id", "version", "default_language"])
    title = definition.get("title", {})
    _append(settings, [title.get(languages[0]) or form_id, form_id, str(version), columns[0]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pyxform_problem(data: bytes) -> str:
    """What pyxform, the reference implementation, finds wrong with an XLSForm: "" when it converts to an XForm."""
    # pyxform builds its expression grammar when imported (about 0.7 s): only a process that exports pays for it.
    from pyxform.errors import PyXFormError  # type: ignore[import-untyped]
    from pyxform.xls2xform import convert  # type: ignore[import-untyped]

    try:
        convert(data, file_type=".xlsx", form_name="data")
    except PyXFormError as error:
        return str(error)
    return ""


def _append(sheet: Worksheet, values: Iterable[Any]) -> None:
    """A row of plain values: a text starting with "=" stays text (openpyxl would store it as a formula)."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


class _Writer:
    def __init__(self, header: list[str], survey: Worksheet, choices: Worksheet, languages: list[str]) -> None:
        self.header, self.survey, self.choices, self.languages = header, survey, choices, languages
        self.columns = dict(zip(languages, (column_language(code) for code in languages), strict=True))
        self.kinds: dict[str, str] = {}
        self.lists: set[str] = set()

    def row(self, **cells: Any) -> None:
        _append(self.survey, [cells.get(name.replace("::", "__"), "") for name in self.header])

    def texts(self, base: str, texts: dict[str, str] | None) -> dict[str, str]:
        return {f"{base}__{self.columns[code]}": (texts or {}).get(code, "") for code in self.languages}

    def write(self, definition: dict[str, Any]) -> None:
        sections = {section["key"]: section for section in definition.get("sections", [])}
        current = ""
        for question in definition.get("questions", []):
            section = question.get("section", "")
            if section != current:
                if current:
                    self.row(type="end_group")
                if section:
                    self.row(type="begin_group", name=section, **self.texts("label", sections[section]["title"]))
                current = section
            self.question(question)
        if current:
            self.row(type="end_group")

    def question(self, question: dict[str, Any]) -> None:
        kind, key = question["kind"], question["key"]
        relevant = relevant_text(question.get("conditions", []), question.get("condition_match", "all"), self.kinds)
        if kind == "matrix":
            self.matrix(question, relevant)
            return
        type_text = BASE_TYPES[kind]
        if type_text.startswith("select"):
            type_text += " " + self.choice_list(question)
        bounded = kind in BOUNDED
        self.row(
            type=type_text,
            name=key,
            **self.texts("label", question.get("text")),
            **self.texts("hint", question.get("help_text")),
            required="yes" if question.get("required") and kind not in ("note", "calculated") else "",
            relevant=relevant,
            constraint=constraint_text(
                min_value=question.get("min_value") if bounded else None,
                max_value=question.get("max_value") if bounded else None,
                min_length=question.get("min_length"),
                max_length=question.get("max_length"),
                pattern=question.get("pattern", ""),
            ),
            **self.texts("constraint_message", question.get("validation_message")),
            calculation=calculation_xpath(question.get("calculation", "")) if kind == "calculated" else "",
            appearance={"long_text": "multiline", "likert": "likert"}.get(kind, ""),
            parameters=self.parameters(question) if kind == "slider" else "",
            platform_type=kind if kind in PLATFORM_TYPES else "",
        )
        self.kinds[key] = kind

    def parameters(self, question: dict[str, Any]) -> str:
        low, high = question.get("min_value"), question.get("max_value")
        return f"start={0 if low is None else low} end={100 if high is None else high} step=1"

    def matrix(self, question: dict[str, Any], relevant: str) -> None:
        key = question["key"]
        list_name = self.choice_list(question)
        self.row(
            type="begin_group",
            name=key,
            appearance="field-list",
            relevant=relevant,
            **self.texts("label", question.get("text")),
            **self.texts("hint", question.get("help_text")),
        )
        for item in question.get("rows", []):
            name = f"{key}_{item['key']}"
            required = "yes" if question.get("required") else ""
            self.row(
                type=f"select_one {list_name}", name=name, required=required, **self.texts("label", item["labels"])
            )
            self.kinds[name] = "single"
        self.row(type="end_group")

    def choice_list(self, question: dict[str, Any]) -> str:
        """The list's name on the choices sheet, written there once."""
        kind = question["kind"]
        if kind == "country":
            return self.fixed_list(COUNTRY_LIST, _countries())
        if kind == "language":
            return self.fixed_list(LANGUAGE_LIST, _languages())
        choices = question.get("choices") or [
            {"value": str(value), "labels": dict.fromkeys(self.languages, str(value))}
            for value in range(question.get("min_value") or 1, (question.get("max_value") or 5) + 1)
        ]
        for choice in choices:
            labels = choice.get("labels", {})
            _append(self.choices, [question["key"], str(choice["value"]), *(labels.get(c, "") for c in self.languages)])
        return str(question["key"])

    def fixed_list(self, name: str, entries: list[tuple[str, str, str]]) -> str:
        if name not in self.lists:
            self.lists.add(name)
            for code, english, domain in entries:
                labels = [_translated(domain, english, language) for language in self.languages]
                _append(self.choices, [name, code, *labels])
        return name


@cache
def _countries() -> list[tuple[str, str, str]]:
    return sorted((country.alpha_2, country.name, "iso3166-1") for country in pycountry.countries)


@cache
def _languages() -> list[tuple[str, str, str]]:
    found = (language for language in pycountry.languages if hasattr(language, "alpha_2"))
    return sorted((language.alpha_2, language.name, "iso639-3") for language in found)


def _translated(domain: str, english: str, language: str) -> str:
    return _catalog(domain, language).gettext(english)


@cache
def _catalog(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)
