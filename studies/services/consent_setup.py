"""The team's consent editor: one draft version in every study language, saved as a whole and published as a whole.

A draft is the study's ConsentDocument rows of its next version with `published_at` null, one per study language;
participants never see them (`studies.services.consent.current_document` reads published rows only). Publishing
refuses a draft with any text missing in any language, then publishes every language of the version in one
transaction through `publish_consent_version`, the service that also asks people to re-consent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import AuditEntry
from studies import iso_names
from studies.models import Consent, ConsentDocument, ConsentItem, Study
from studies.services.consent import current_document, item_label, publish_consent_version, render_consent

# A key is the team's stable name for an item: stored in every signature's choices and exported, never renamed.
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MIN_CHOICES = 2


class ConsentSetupError(Exception):
    """A change to the consent form that cannot be made; the message is for the team member, in their language."""


@dataclass(frozen=True)
class DraftItem:
    key: str
    required: bool
    labels: dict[str, str]


@dataclass(frozen=True)
class DraftQuestion:
    texts: dict[str, str]
    choices: dict[str, list[str]]
    answer: int  # index of the right choice, from 0, the same in every language


@dataclass
class ConsentDraft:
    """What the team wrote, in every study language; the form builds it, the documents store it."""

    titles: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, str] = field(default_factory=dict)
    items: list[DraftItem] = field(default_factory=list)
    questions: list[DraftQuestion] = field(default_factory=list)


@dataclass(frozen=True)
class Missing:
    """One text a language still lacks. `part` is title, body, label, question or choices; `index` is the item's or
    question's position (from 0), -1 for the title and the text."""

    language: str
    part: str
    index: int
    message: str


class ConsentIncomplete(ConsentSetupError):
    """Publishing refused: `missing` names each language and text still to write."""

    def __init__(self, missing: list[Missing]) -> None:
        super().__init__(" ".join(m.message for m in missing))
        self.missing = missing


def study_languages(study: Study) -> list[str]:
    return list(study.languages or ["en"])


def language_name(code: str) -> str:
    """`Spanish (es)`: the language's name in the page's language, and its code."""
    return f"{iso_names.language_name(code)} ({code})"


def default_label(key: str, language: str) -> str:
    """The platform's label of a well-known item in `language`, or "" where it has no translation yet (so
    publishing asks the team for one rather than showing English)."""
    if key not in ConsentItem.values:
        return ""
    label = ConsentItem(key).label
    with translation.override("en"):
        english = str(label)
    with translation.override(language):
        translated = str(label)
    return translated if language.split("-")[0] == "en" or translated != english else ""


def draft_documents(study: Study) -> dict[str, ConsentDocument]:
    """The draft's rows by language: those of the highest version, when none of that version is published."""
    latest = ConsentDocument.objects.filter(study=study).aggregate(v=Max("version"))["v"]
    rows = list(ConsentDocument.objects.filter(study=study, version=latest or 0))
    if not rows or any(row.published_at is not None for row in rows):
        return {}
    return {row.language: row for row in rows}


def latest_published_documents(study: Study) -> dict[str, ConsentDocument]:
    published = ConsentDocument.objects.filter(study=study, published_at__isnull=False)
    latest = published.aggregate(v=Max("version"))["v"]
    return {row.language: row for row in published.filter(version=latest or 0)}


def editable_draft(study: Study) -> tuple[ConsentDraft, int | None]:
    """What the editor starts from: the saved draft and its version, else a copy of the latest published version
    (or nothing) and None."""
    languages = study_languages(study)
    if rows := draft_documents(study):
        return draft_from_documents(rows, languages), next(iter(rows.values())).version
    return draft_from_documents(latest_published_documents(study), languages), None


def published_keys(study: Study) -> set[str]:
    """Keys of every item any published version asked about: they can be dropped from a version, never renamed."""
    keys: set[str] = set()
    for items in ConsentDocument.objects.filter(study=study, published_at__isnull=False).values_list(
        "items", flat=True
    ):
        keys.update(items)
    return keys


def draft_from_documents(documents: dict[str, ConsentDocument], languages: list[str]) -> ConsentDraft:
    """The draft the rows hold, items and questions in the first language's order. A well-known item without a
    label has the label participants are shown for it (`default_label`; older documents have none)."""
    ordered = [documents[language] for language in languages if language in documents]
    draft = ConsentDraft(
        titles={language: documents[language].title for language in documents if language in languages},
        bodies={language: documents[language].body_markdown for language in documents if language in languages},
    )
    keys = list(dict.fromkeys(key for document in ordered for key, _rule in document.ordered_items()))
    for key in keys:
        rules = {doc.language: doc.items[key] for doc in ordered if key in doc.items}
        labels = {
            language: rules.get(language, {}).get("label") or default_label(key, language) for language in languages
        }
        first = next(iter(rules.values()))
        draft.items.append(DraftItem(key=key, required=bool(first.get("required")), labels=labels))
    for index in range(max((len(doc.comprehension_questions) for doc in ordered), default=0)):
        asked = {
            doc.language: doc.comprehension_questions[index]
            for doc in ordered
            if index < len(doc.comprehension_questions)
        }
        draft.questions.append(_question_from(asked))
    return draft


def _question_from(asked: dict[str, Any]) -> DraftQuestion:
    first = next(iter(asked.values()))
    return DraftQuestion(
        texts={language: str(q.get("question", "")) for language, q in asked.items()},
        choices={language: [str(c) for c in q.get("choices", [])] for language, q in asked.items()},
        answer=int(first.get("answer", 0)),
    )


def missing_translations(*, draft: ConsentDraft, languages: list[str]) -> list[Missing]:
    """Every text a language still lacks before the draft can be published, language by language."""
    missing: list[Missing] = []
    for language in languages:
        name = {"language": language_name(language)}
        if not draft.titles.get(language, "").strip():
            missing.append(Missing(language, "title", -1, _("%(language)s: the title is missing.") % name))
        if not draft.bodies.get(language, "").strip():
            missing.append(Missing(language, "body", -1, _("%(language)s: the text is missing.") % name))
        for index, item in enumerate(draft.items):
            if not item.labels.get(language, "").strip():
                message = _("%(language)s: the label of item “%(key)s” is missing.") % {**name, "key": item.key}
                missing.append(Missing(language, "label", index, message))
        for index, question in enumerate(draft.questions):
            missing.extend(_missing_in_question(question, index, language, name))
    return missing


def _missing_in_question(question: DraftQuestion, index: int, language: str, name: dict[str, str]) -> list[Missing]:
    found, number = [], {**name, "number": index + 1}
    if not question.texts.get(language, "").strip():
        found.append(Missing(language, "question", index, _("%(language)s: question %(number)s is missing.") % number))
    count = max((len(choices) for choices in question.choices.values()), default=0)
    choices = question.choices.get(language, [])
    if len(choices) != count or not all(choice.strip() for choice in choices):
        message = _("%(language)s: question %(number)s needs all its %(count)s choices.") % {**number, "count": count}
        found.append(Missing(language, "choices", index, message))
    return found


def _check_structure(draft: ConsentDraft) -> None:
    """What the form checks field by field, checked again here for any caller: keys and choices that hold."""
    keys = [item.key for item in draft.items]
    if any(not KEY_PATTERN.match(key) for key in keys) or len(set(keys)) != len(keys):
        raise ConsentSetupError(_("Each item needs its own key of lower-case letters, digits and underscores."))
    for number, question in enumerate(draft.questions, start=1):
        counts = {len(choices) for choices in question.choices.values() if choices}
        if len(counts) != 1 or min(counts) < MIN_CHOICES or not 0 <= question.answer < min(counts):
            raise ConsentSetupError(
                _("Question %(number)s needs the same choices in every language and a right answer among them.")
                % {"number": number}
            )


def _lock_changeable(study: Study) -> Study:
    """The study, locked: one draft save or publication at a time, so two colleagues never write one version twice."""
    study = Study.objects.select_for_update().get(pk=study.pk)
    if study.status == Study.Status.ARCHIVED:
        raise ConsentSetupError(_("The study is archived: its consent form can no longer change."))
    return study


def _stored(draft: ConsentDraft, language: str) -> dict[str, Any]:
    items: dict[str, dict[str, Any]] = {}
    for position, item in enumerate(draft.items):
        label = item.labels.get(language, "").strip()
        items[item.key] = {"required": item.required, "position": position, **({"label": label} if label else {})}
    questions = [
        {"question": q.texts.get(language, "").strip(), "choices": q.choices.get(language, []), "answer": q.answer}
        for q in draft.questions
    ]
    return {
        "title": draft.titles.get(language, "").strip(),
        "body_markdown": draft.bodies.get(language, "").replace("\r\n", "\n"),
        "items": items,
        "comprehension_questions": questions,
    }


@transaction.atomic
def save_consent_draft(*, study: Study, draft: ConsentDraft, request: HttpRequest | None = None) -> int:
    """Write the draft in every study language as the next version's unpublished rows; returns its version.

    The version participants see stays as it is. The caller has checked the role.
    """
    study = _lock_changeable(study)
    _check_structure(draft)
    languages = study_languages(study)
    rows = draft_documents(study)
    if rows:
        version = next(iter(rows.values())).version
    else:
        version = (ConsentDocument.objects.filter(study=study).aggregate(v=Max("version"))["v"] or 0) + 1
    saved = [
        ConsentDocument.objects.update_or_create(
            study=study, language=language, version=version, defaults=_stored(draft, language)
        )[0]
        for language in languages
    ]
    ConsentDocument.objects.filter(study=study, version=version).exclude(language__in=languages).delete()
    detail = {"version": version, "languages": languages}
    record_event(action="consent.draft_saved", request=request, study_id=study.pk, target=saved[0], detail=detail)
    return version


@transaction.atomic
def publish_consent_draft(*, study: Study, version: int, request: HttpRequest | None = None) -> int:
    """Publish draft `version` in every study language at one instant, and ask everyone who signed an older version
    and is not yet interviewed to consent again (by e-mail, once committed). Returns how many were asked.

    Refused (ConsentIncomplete, naming each language and text) while any language lacks a text. The caller has
    checked the role.
    """
    study = _lock_changeable(study)
    languages = study_languages(study)
    rows = draft_documents(study)
    if not rows or next(iter(rows.values())).version != version:
        raise ConsentSetupError(
            _("There is no draft of version %(version)s to publish; the page shows what there is now.")
            % {"version": version}
        )
    draft = draft_from_documents(rows, languages)
    _check_structure(draft)
    if missing := missing_translations(draft=draft, languages=languages):
        raise ConsentIncomplete(missing)
    ConsentDocument.objects.filter(pk__in=[row.pk for code, row in rows.items() if code not in languages]).delete()
    now = timezone.now()
    # The first language's call supersedes every older signature; the others find none left to supersede.
    asked = sum(publish_consent_version(document=rows[language], now=now) for language in languages)
    detail = {"version": version, "languages": languages, "reconsent_requests": asked}
    record_event(
        action="consent.published", request=request, study_id=study.pk, target=rows[languages[0]], detail=detail
    )
    return asked


# Reads for the page ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedVersion:
    version: int
    published_at: datetime
    languages: list[str]
    published_by: str  # who published it in the editor; "" for versions published elsewhere (admin, demo loader)
    signed: int  # people who signed it, whether or not a later version superseded their signature


def consent_history(study: Study) -> list[PublishedVersion]:
    """Every published version, newest first."""
    versions: dict[int, list[ConsentDocument]] = {}
    for row in ConsentDocument.objects.filter(study=study, published_at__isnull=False).order_by("-version", "id"):
        versions.setdefault(row.version, []).append(row)
    signed = dict(
        Consent.objects.filter(document__study=study)
        .values_list("document__version")
        .annotate(people=Count("participant", distinct=True))
    )
    publishers: dict[int, str] = {}
    for entry in AuditEntry.objects.filter(study_id=study.pk, action="consent.published").select_related("actor"):
        if entry.actor is not None and isinstance(entry.detail.get("version"), int):
            publishers[entry.detail["version"]] = entry.actor.display_name or entry.actor.email
    return [
        PublishedVersion(
            version=version,
            published_at=min(row.published_at for row in rows if row.published_at is not None),
            languages=[row.language for row in rows],
            published_by=publishers.get(version, ""),
            signed=signed.get(version, 0),
        )
        for version, rows in versions.items()
    ]


@dataclass(frozen=True)
class ShownText:
    """One study language's published form as a participant who speaks it reads it now."""

    language: str
    name: str
    document: ConsentDocument | None  # perhaps another language's, when this one has none published
    html: str
    items: list[tuple[str, str, bool]]  # key, label, required
    questions: list[dict[str, Any]]


def texts_participants_see(study: Study) -> list[ShownText]:
    """Per study language, the published document a participant who speaks it is shown now, rendered."""
    shown = []
    for language in study_languages(study):
        document = current_document(study=study, language=language)
        if document is None:
            shown.append(ShownText(language, language_name(language), None, "", [], []))
            continue
        with translation.override(document.language):
            items = [(key, item_label(key, rule), bool(rule.get("required"))) for key, rule in document.ordered_items()]
        questions = list(document.comprehension_questions or [])
        html = render_consent(document)
        shown.append(ShownText(language, language_name(language), document, html, items, questions))
    return shown
