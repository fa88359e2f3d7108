"""Blind-index terms for transcript search: PostgreSQL's own lexemes of a text, keyed so no word is ever stored.

Segment text is sealed at rest, so PostgreSQL cannot index it, and a plain tsvector would be the words themselves.
Instead the text is passed to `to_tsvector(<configuration>, %s)` as a query parameter (never written anywhere),
and each lexeme it returns is keyed with HMAC-SHA256 under a key derived from the identifier hash key with a label
of its own. Only the keyed values (the first 8 bytes, as a signed bigint) are stored. A query is lexemised and keyed
the same way, so stemming, stop words and case folding are PostgreSQL's, with the configuration of the language.

Changing `IDENTIFIER_HASH_KEY` changes every term: run `manage.py reindex_search` afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from functools import cache

from django.db import connection

from config.crypto import hash_key

# A label of its own, so a search term never equals a keyed hash made for another purpose (duplicate checks, tags).
_KEY_LABEL = b"review.search-terms.v1"
# ISO 639-1 code -> the text search configuration PostgreSQL ships for it (stemmer and stop words).
CONFIGURATIONS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
# No stemmer for the language: words are only lower-cased (and nothing is dropped as a stop word).
FALLBACK = "simple"
_BATCH = 1000  # texts per statement: bounded parameter size, few round trips
_LEXEMES = (
    "SELECT coalesce(tsvector_to_array(to_tsvector(u.config::regconfig, u.body)), '{}') "
    "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS u(config, body, n) ORDER BY u.n"
)


@cache
def _installed() -> frozenset[str]:
    """The configurations this PostgreSQL has (a server built without some stemmers answers with fewer)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config")
        return frozenset(row[0] for row in cursor.fetchall())


def search_available() -> bool:
    """Search needs PostgreSQL's text search; the embedded SQLite run has none."""
    return connection.vendor == "postgresql"


def configuration_for(language: str) -> str:
    """The text search configuration for an ISO 639-1 code ("pt-BR" reads as "pt"); `simple` when there is none."""
    name = CONFIGURATIONS.get(language.split("-")[0].lower(), FALLBACK)
    return name if name in _installed() else FALLBACK


def lexemes(pairs: Sequence[tuple[str, str]]) -> list[list[str]]:
    """PostgreSQL's lexemes of each (configuration, text), in order. The texts travel as query parameters only."""
    found: list[list[str]] = []
    with connection.cursor() as cursor:
        for first in range(0, len(pairs), _BATCH):
            batch = pairs[first : first + _BATCH]
            cursor.execute(_LEXEMES, [[config for config, _ in batch], [text for _, text in batch]])
            found.extend(list(row[0]) for row in cursor.fetchall())
    return found


def search_key() -> bytes:
    return hmac.new(hash_key(), _KEY_LABEL, hashlib.sha256).digest()


def keyed(words: Sequence[str], key: bytes) -> list[int]:
    """Each lexeme's HMAC-SHA256 under `key`, cut to 8 bytes as a signed bigint (the column's type). Two lexemes
    sharing a value is about one chance in 10^7 across a million distinct words; a false hit would only show a
    segment without a highlighted word, never hide one."""
    return [
        int.from_bytes(hmac.new(key, word.encode(), hashlib.sha256).digest()[:8], "big", signed=True) for word in words
    ]
