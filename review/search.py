"""Reads for transcript search: which rows match a query, and the highlighted text of the hits shown.

A query is lexemised by PostgreSQL with the configuration of each language the study's rows are in and keyed like
the rows (review.search_terms); a segment matches when its row holds every keyed term of its language (`@>`, AND
of the words, on the GIN index). Only the page of hits shown is decrypted and highlighted.
"""

from __future__ import annotations

import html
from collections import defaultdict

from django.db.models import Q, QuerySet
from django.utils.safestring import SafeString, mark_safe

from review.models import SearchAudience, SearchIndexState, SegmentSearchTerms
from review.redaction.text import Token, tokens
from review.search_terms import configuration_for, keyed, lexemes, search_key
from review.selectors import can_see_raw

_CONTEXT_BEFORE, _CONTEXT_AFTER = 12, 28  # words shown around the first hit of a long segment
_LONG = 320  # code points: a segment longer than this is cut to a snippet around its first hit


def audience_for(role: str) -> str:
    """Owners and researchers search the raw text; every other role the redacted text it reads."""
    return SearchAudience.RAW if can_see_raw(role) else SearchAudience.REDACTED


def study_languages(study_id: int) -> list[str]:
    """The languages the study's indexed segments are in (ISO 639-1), for the filter and for lexemising."""
    found: set[str] = set()
    for languages in SearchIndexState.objects.filter(study_id=study_id).values_list("languages", flat=True):
        found.update(languages)
    return sorted(found)


def query_terms(*, q: str, languages: list[str]) -> dict[str, list[int]]:
    """Language -> keyed lexemes of `q` in that language's configuration; languages where every word of `q` is a
    stop word are left out (nothing there can match)."""
    by_config: dict[str, list[str]] = defaultdict(list)
    for language in languages:
        by_config[configuration_for(language)].append(language)
    configs = sorted(by_config)
    key = search_key()
    terms: dict[str, list[int]] = {}
    for config, words in zip(configs, lexemes([(config, q) for config in configs]), strict=True):
        if words:
            for language in by_config[config]:
                terms[language] = keyed(sorted(words), key)
    return terms


def matching_rows(*, study_id: int, audience: str, terms: dict[str, list[int]]) -> QuerySet[SegmentSearchTerms]:
    """The study's rows for `audience` holding every term of the query in their language, in transcript order."""
    by_terms: dict[tuple[int, ...], list[str]] = defaultdict(list)
    for language, keys in terms.items():
        by_terms[tuple(keys)].append(language)
    condition = Q(pk__in=[])
    for key_tuple, langs in by_terms.items():
        condition |= Q(language__in=langs, terms__contains=list(key_tuple))
    rows = SegmentSearchTerms.objects.filter(study_id=study_id, audience=audience).filter(condition)
    return rows.order_by("transcript_id", "index")


def _lexeme_map(pairs: set[tuple[str, str]]) -> dict[str, dict[str, set[str]]]:
    """configuration -> text -> its lexemes, from one statement."""
    ordered = sorted(pairs)
    found: dict[str, dict[str, set[str]]] = defaultdict(dict)
    for (config, text), lexes in zip(ordered, lexemes(ordered), strict=True):
        found[config][text] = set(lexes)
    return found


def _marked(text: str, words: list[Token], hits: list[int]) -> SafeString:
    """`text` escaped, the words at `hits` in <mark>; cut to the words around the first hit when long."""
    first, last, prefix, suffix = 0, len(words), "", ""
    if len(text) > _LONG and words:
        at = hits[0] if hits else 0
        first, last = max(0, at - _CONTEXT_BEFORE), min(len(words), at + _CONTEXT_AFTER)
        prefix, suffix = ("… " if first else ""), (" …" if last < len(words) else "")
    cursor = words[first].start if first else 0
    end = words[last - 1].end if last < len(words) else len(text)
    parts = [prefix]
    for i in hits:
        if first <= i < last:
            word = words[i]
            parts += [html.escape(text[cursor : word.start]), "<mark>", html.escape(word.text), "</mark>"]
            cursor = word.end
    parts += [html.escape(text[cursor:end]), suffix]
    return mark_safe("".join(parts))  # noqa: S308 (every piece of the text is escaped above)


def highlight(*, q: str, hits: list[tuple[str, str]]) -> list[SafeString]:
    """HTML of each (language, text): every character escaped, the words that match `q` in <mark>. A word matches
    when PostgreSQL gives it a lexeme of the query in the same configuration, so "runs" lights up for "running".
    The texts travel to PostgreSQL as query parameters only, word by word."""
    configs = [configuration_for(language) for language, _ in hits]
    words = [list(tokens(text)) for _, text in hits]
    pairs = {(config, word.text) for config, found in zip(configs, words, strict=True) for word in found}
    lexeme_map = _lexeme_map(pairs | {(config, q) for config in configs})
    shown = []
    for config, (_, text), found in zip(configs, hits, words, strict=True):
        wanted, own = lexeme_map[config][q], lexeme_map[config]
        shown.append(_marked(text, found, [i for i, word in enumerate(found) if own[word.text] & wanted]))
    return shown
