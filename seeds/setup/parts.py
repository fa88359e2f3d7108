"""Checks of the `consent`, `interview_guide`, `codebook` and `safety` sections (its distress protocol too)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from coding.codetree import CodebookFormatError, normalise_colour
from seeds.setup import checks as c
from seeds.setup.shapes import SCRIPT_KEYS
from studies.forms.safety_setup import validate_phone
from studies.models import SafetyEvent
from studies.models.guide import MAX_ANSWER_SECONDS, MIN_ANSWER_SECONDS
from studies.services.consent_setup import KEY_PATTERN as CONSENT_KEY
from studies.services.consent_setup import MIN_CHOICES
from studies.services.distress import QUESTION_MAX_LENGTH
from studies.services.distress_protocol import FOLLOW_UP_HOURS

CODE_TEXTS = ("definition", "when_to_use", "when_not_to_use", "example")
MAX_CODE_DEPTH = 12
MAX_CODES = 5000


def check_consent(problems: c.Problems, path: str, value: Any, languages: list[str]) -> None:
    """Items and the form per language. Texts may still be empty (the import then keeps the form as a draft, as the
    consent editor does); the comprehension questions must match across languages, as the editor keeps them."""
    data = c.mapping(problems, path, value, required=("items", "documents"))
    if data is None:
        return
    documents = c.mapping(problems, c.at(path, "documents"), data.get("documents"), optional=languages) or {}
    written = [language for language in languages if language in documents]
    questions: dict[str, list[Any]] = {}
    for language in written:
        questions[language] = _document(problems, c.at(c.at(path, "documents"), language), documents[language])
    _aligned(problems, c.at(path, "documents"), questions)
    items = data.get("items")
    if not isinstance(items, dict):
        c.mapping(problems, c.at(path, "items"), items)
        return
    for key, item in items.items():
        where = c.at(c.at(path, "items"), str(key))
        if not (isinstance(key, str) and CONSENT_KEY.match(key)):
            problems.add(where, _("A key is lower-case letters, digits and _, starting with a letter (at most 50)."))
        rule = c.mapping(problems, where, item, required=("required",), optional=("label",))
        if rule is not None:
            c.boolean(problems, c.at(where, "required"), rule.get("required"))
            labels = rule.get("label", {})
            c.per_language(problems, c.at(where, "label"), labels, languages, max_length=300, first_required=False)


def _document(problems: c.Problems, path: str, value: Any) -> list[Any]:
    """The document's comprehension questions, None in place of one with a problem."""
    data = c.mapping(problems, path, value, required=("title", "body"), optional=("comprehension",))
    if data is None:
        return []
    c.text(problems, c.at(path, "title"), data.get("title"), max_length=200, blank=True)
    c.text(problems, c.at(path, "body"), data.get("body"), max_length=200_000, blank=True)
    where = c.at(path, "comprehension")
    sound: list[dict[str, Any] | None] = []
    for index, question in enumerate(c.sequence(problems, where, data.get("comprehension", [])) or []):
        here = c.at(where, index)
        item = c.mapping(problems, here, question, required=("question", "choices", "answer"))
        if item is None:
            sound.append(None)
            continue
        before = len(problems.items)
        c.text(problems, c.at(here, "question"), item.get("question"), max_length=500, blank=True)
        choices = c.sequence(problems, c.at(here, "choices"), item.get("choices")) or []
        for number, choice in enumerate(choices):
            c.text(problems, c.at(c.at(here, "choices"), number), choice, max_length=300, blank=True)
        if len(choices) < MIN_CHOICES:
            problems.add(c.at(here, "choices"), _("Give at least %(count)d choices.") % {"count": MIN_CHOICES})
        else:
            c.integer(problems, c.at(here, "answer"), item.get("answer"), high=len(choices) - 1)
        sound.append(item if len(problems.items) == before else None)
    return sound


def _aligned(problems: c.Problems, path: str, questions: dict[str, list[Any]]) -> None:
    """Question n has as many choices and the same right answer in every language that asks it."""
    if not questions:
        return
    first, asked = next(iter(questions)), next(iter(questions.values()))
    for language, items in questions.items():
        for index, (mine, theirs) in enumerate(zip(items, asked, strict=False)):
            if mine is None or theirs is None:
                continue
            where = c.at(c.at(c.at(path, language), "comprehension"), index)
            if len(mine["choices"]) != len(theirs["choices"]):
                problems.add(c.at(where, "choices"), _("Give the same number of choices as in %(first)s.") % {
                    "first": first})  # fmt: skip
            elif mine["answer"] != theirs["answer"]:
                problems.add(c.at(where, "answer"), _("The right answer must be the same choice as in %(first)s.") % {
                    "first": first})  # fmt: skip


def check_guide(problems: c.Problems, path: str, value: Any, languages: list[str], code_keys: set[str]) -> None:
    data = c.mapping(problems, path, value, optional=(*SCRIPT_KEYS, "voice_questions"))
    if data is None:
        return
    where = c.at(path, "voice_questions")
    for index, question in enumerate(c.sequence(problems, where, data.get("voice_questions", [])) or []):
        item = c.mapping(problems, c.at(where, index), question, required=("prompt",), optional=("max_seconds",))
        if item is not None:
            c.per_language(problems, c.at(c.at(where, index), "prompt"), item.get("prompt"), languages)
            if "max_seconds" in item:
                seconds = c.at(c.at(where, index), "max_seconds")
                c.integer(problems, seconds, item["max_seconds"], low=MIN_ANSWER_SECONDS, high=MAX_ANSWER_SECONDS)
    if any(key in data for key in SCRIPT_KEYS):
        _script(problems, path, data, code_keys)


def _script(problems: c.Problems, path: str, data: dict[str, Any], code_keys: set[str]) -> None:
    """The interviewer's script: title, length, opening steps, sections of questions with probes, closing steps."""
    for key in SCRIPT_KEYS:
        if key not in data:
            problems.add(c.at(path, key), _("Missing: a guide with a script needs %(keys)s.") % {
                "keys": ", ".join(SCRIPT_KEYS)})  # fmt: skip
    if "title" in data:
        c.text(problems, c.at(path, "title"), data["title"], max_length=200)
    if "duration_minutes" in data:
        c.integer(problems, c.at(path, "duration_minutes"), data["duration_minutes"], low=1, high=1440)
    for key in ("opening", "closing"):
        _texts(problems, c.at(path, key), data.get(key, []))
    where = c.at(path, "sections")
    for index, section in enumerate(c.sequence(problems, where, data.get("sections", [])) or []):
        here = c.at(where, index)
        item = c.mapping(problems, here, section, required=("title", "questions"), optional=("key", "themes"))
        if item is None:
            continue
        c.text(problems, c.at(here, "title"), item.get("title"), max_length=300)
        if "key" in item:
            c.slug(problems, c.at(here, "key"), item["key"])
        for number, theme in enumerate(c.sequence(problems, c.at(here, "themes"), item.get("themes", [])) or []):
            if c.slug(problems, c.at(c.at(here, "themes"), number), theme) and theme not in code_keys:
                problems.add(c.at(c.at(here, "themes"), number), _("No code of the codebook has the key “%(key)s”.")
                             % {"key": theme})  # fmt: skip
        for number, question in enumerate(c.sequence(problems, c.at(here, "questions"), item.get("questions")) or []):
            there = c.at(c.at(here, "questions"), number)
            entry = c.mapping(problems, there, question, required=("text",), optional=("probes",))
            if entry is not None:
                c.text(problems, c.at(there, "text"), entry.get("text"), max_length=1000)
                _texts(problems, c.at(there, "probes"), entry.get("probes", []))


def _texts(problems: c.Problems, path: str, value: Any) -> None:
    for index, item in enumerate(c.sequence(problems, path, value) or []):
        c.text(problems, c.at(path, index), item, max_length=1000)


def check_codebook(problems: c.Problems, path: str, value: Any) -> set[str]:
    """The keys of every code (for the guide's themes)."""
    data = c.mapping(problems, path, value, required=("codes",))
    keys: set[str] = set()
    if data is not None:
        count = _codes(problems, c.at(path, "codes"), data.get("codes"), keys, depth=1)
        if count > MAX_CODES:
            problems.add(c.at(path, "codes"), _("More than %(max)d codes.") % {"max": MAX_CODES})
    return keys


def _codes(problems: c.Problems, path: str, value: Any, keys: set[str], *, depth: int) -> int:
    codes = c.sequence(problems, path, value) or []
    if depth > MAX_CODE_DEPTH:
        problems.add(path, _("Codes are nested more than %(max)d levels deep.") % {"max": MAX_CODE_DEPTH})
        return 0
    count = len(codes)
    for index, code in enumerate(codes):
        here = c.at(path, index)
        optional = (*CODE_TEXTS, "colour", "is_codable", "children")
        item = c.mapping(problems, here, code, required=("key", "name"), optional=optional)
        if item is None:
            continue
        if c.slug(problems, c.at(here, "key"), item.get("key"), max_length=100):
            keys.add(item["key"])
        c.text(problems, c.at(here, "name"), item.get("name"), max_length=240)
        for name in CODE_TEXTS:
            if name in item:
                c.text(problems, c.at(here, name), item[name], max_length=20_000, blank=True)
        _colour(problems, c.at(here, "colour"), item.get("colour", ""))
        if "is_codable" in item:
            c.boolean(problems, c.at(here, "is_codable"), item["is_codable"])
        if "children" in item:
            count += _codes(problems, c.at(here, "children"), item["children"], keys, depth=depth + 1)
    siblings = [item for item in codes if isinstance(item, dict)]
    c.unique(problems, path, [(c.at(c.at(path, i), "key"), code.get("key")) for i, code in enumerate(siblings)],
             _("key among codes with the same parent"))  # fmt: skip
    # The import collapses runs of spaces in a name, so names that differ only there clash.
    names = [(c.at(c.at(path, i), "name"), " ".join(str(code.get("name")).split())) for i, code in enumerate(siblings)]
    c.unique(problems, path, names, _("name among codes with the same parent"))
    return count


def _colour(problems: c.Problems, path: str, value: Any) -> None:
    if not c.text(problems, path, value, blank=True, max_length=7):
        return
    try:
        normalise_colour(value)
    except CodebookFormatError as error:
        problems.add(path, str(error))


def check_safety(problems: c.Problems, path: str, value: Any, languages: list[str]) -> None:
    optional = ("safety_contacts", "crisis_resources", "distress_protocol")
    data = c.mapping(problems, path, value, optional=optional)
    if data is None:
        return
    if "distress_protocol" in data:
        _distress_protocol(problems, c.at(path, "distress_protocol"), data["distress_protocol"], languages)
    where = c.at(path, "safety_contacts")
    for index, contact in enumerate(c.sequence(problems, where, data.get("safety_contacts", [])) or []):
        here = c.at(where, index)
        item = c.mapping(problems, here, contact, required=("name",), optional=("email", "phone", "notes"))
        if item is None:
            continue
        c.text(problems, c.at(here, "name"), item.get("name"), max_length=160)
        c.email(problems, c.at(here, "email"), item.get("email", ""))
        _phone(problems, c.at(here, "phone"), item.get("phone", ""))
        c.text(problems, c.at(here, "notes"), item.get("notes", ""), max_length=300, blank=True)
        if not str(item.get("email") or "").strip() and not str(item.get("phone") or "").strip():
            problems.add(here, _("Give an e-mail address or a phone number, so the contact can be reached."))
    where = c.at(path, "crisis_resources")
    for index, resource in enumerate(c.sequence(problems, where, data.get("crisis_resources", [])) or []):
        _resource(problems, c.at(where, index), resource)


def _resource(problems: c.Problems, path: str, value: Any) -> None:
    optional = ("country", "language", "phone", "url", "description")
    item = c.mapping(problems, path, value, required=("name",), optional=optional)
    if item is None:
        return
    c.text(problems, c.at(path, "name"), item.get("name"), max_length=160)
    c.country_code(problems, c.at(path, "country"), item.get("country", ""))
    if item.get("language", "") != "":  # empty is any language; anything else (null too) must be a code
        c.language_code(problems, c.at(path, "language"), item["language"])
    _phone(problems, c.at(path, "phone"), item.get("phone", ""))
    c.url(problems, c.at(path, "url"), item.get("url", ""))
    c.text(problems, c.at(path, "description"), item.get("description", ""), max_length=300, blank=True)


def _phone(problems: c.Problems, path: str, value: Any) -> None:
    """A number as the safety page takes it (it becomes a tel: link a participant in crisis taps), or empty."""
    if not c.text(problems, path, value, max_length=40, blank=True) or not value:
        return
    try:
        validate_phone(value)
    except ValidationError as error:
        problems.add(path, " ".join(error.messages))


def _distress_protocol(problems: c.Problems, path: str, value: Any, languages: list[str]) -> None:
    """The study's own distress protocol: its questions in the study's languages, outcomes from the list."""
    optional = ("questions", "alert_at_once", "follow_up_after", "follow_up_hours", "follow_up_channel")
    data = c.mapping(problems, path, value, optional=optional)
    if data is None:
        return
    where = c.at(path, "questions")
    for index, texts in enumerate(c.sequence(problems, where, data.get("questions", [])) or []):
        c.per_language(problems, c.at(where, index), texts, languages, max_length=QUESTION_MAX_LENGTH)
    for key in ("alert_at_once", "follow_up_after"):
        for index, outcome in enumerate(c.sequence(problems, c.at(path, key), data.get(key, [])) or []):
            if outcome not in SafetyEvent.Outcome.values:
                choices = ", ".join(SafetyEvent.Outcome.values)
                problems.add(c.at(c.at(path, key), index), _("Not an outcome (%(choices)s).") % {"choices": choices})
    if "follow_up_hours" in data:
        low, high = FOLLOW_UP_HOURS
        c.integer(problems, c.at(path, "follow_up_hours"), data["follow_up_hours"], low=low, high=high)
    channel = data.get("follow_up_channel", SafetyEvent.Channel.PHONE)
    if channel not in SafetyEvent.Channel.values:
        choices = ", ".join(SafetyEvent.Channel.values)
        problems.add(c.at(path, "follow_up_channel"), _("Not a channel (%(choices)s).") % {"choices": choices})
