"""One questionnaire's answers as CSV for the team: a row per response, a column per question key.

Participants appear by pseudonym only (never contact details). Choice answers are their stored values;
multiple-choice answers are joined with ";". The file starts with a byte-order mark so spreadsheets read
Spanish and Hindi text as UTF-8, and any text cell a spreadsheet would run as a formula is defused with a
leading apostrophe (the same rule as the transcript CSV export). Scored scales add their totals and bands.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from config.spreadsheet import defuse_formula
from studies.models import Questionnaire, ScreeningResponse
from studies.scales import score_columns

FIXED_COLUMNS = ("participant", "submitted_at", "language")
# A plain number such as "-3" or "2.5" is data, not a formula; it is written as is.
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = ";".join(str(item) for item in value) if isinstance(value, list) else str(value)
    return text if _NUMBER.fullmatch(text) else defuse_formula(text)


def answers_csv(*, questionnaire: Questionnaire) -> Iterator[bytes]:
    """The CSV in chunks, one row at a time, so a large study is streamed rather than built in memory.

    The caller has checked the team member's role and audit-logged the export.
    """
    questions = list(questionnaire.questions.order_by("position", "id").values_list("key", "scale_key"))
    keys = [key for key, _scale in questions]
    # Scale scores (studies.scales) follow the answers: computed on submission, read from the plain attributes.
    scores = score_columns(scale for _key, scale in questions)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*FIXED_COLUMNS, *keys, *scores])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    rows = (
        ScreeningResponse.objects.filter(questionnaire=questionnaire)
        .order_by("submitted_at", "id")
        .values_list("participant__code", "submitted_at", "language", "answers", "attributes")
    )
    for code, submitted_at, language, answers, attributes in rows.iterator(chunk_size=500):
        buffer.seek(0)
        buffer.truncate()
        given = [_cell(answers.get(key)) for key in keys]
        writer.writerow([code, submitted_at.isoformat(), language, *given, *(_cell(attributes.get(c)) for c in scores)])
        yield buffer.getvalue().encode()
