"""Text folding and word tokens that work across scripts.

Python's `\\w` does not match combining marks, so it cuts Devanagari words apart at every vowel sign; this module
decides what a word is from Unicode categories instead (letters, marks and digits), and returns code-point offsets.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# Marks that only decorate a letter and that people and speech recognisers leave out freely: Latin/Greek/Cyrillic
# accents and Arabic short vowels (harakat). Indic vowel signs and viramas are part of the spelling and stay.
_STRIPPED_MARK_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x064B, 0x065F), (0x0670, 0x0670))
_LETTER_FOLDS = str.maketrans(
    {
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "\u0131": "i",  # Turkish dotless i
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        # Arabic alef with hamza or madda, and alef maqsura, are written interchangeably in everyday text.
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0671": "\u0627",
        "\u0649": "\u064a",
        "\u0640": "",  # Arabic tatweel: a stretching stroke, not a letter
        "\u2019": "'",
    }
)
_WORD_CATEGORIES = frozenset("LMN")


_STRIPPED_MARKS = re.compile("[" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in _STRIPPED_MARK_RANGES) + "]")


def fold(text: str) -> str:
    """Case-, accent- and width-insensitive form for comparison: "José  GARCÍA" and "jose garcia" fold alike."""
    if text.isascii():
        return " ".join(text.lower().split())
    kept = _STRIPPED_MARKS.sub("", unicodedata.normalize("NFKD", text))
    folded = unicodedata.normalize("NFC", kept).casefold().translate(_LETTER_FOLDS)
    return " ".join(folded.split())


def is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in _WORD_CATEGORIES


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    folded: str


def tokens(text: str) -> Iterator[Token]:
    """Words of `text` (runs of letters, marks and digits) with code-point offsets and folded forms."""
    start = None
    for index, char in enumerate(text):
        if is_word_char(char):
            if start is None:
                start = index
        elif start is not None:
            yield Token(start, index, text[start:index], fold(text[start:index]))
            start = None
    if start is not None:
        yield Token(start, len(text), text[start:], fold(text[start:]))


def word_folds(text: str) -> tuple[str, ...]:
    return tuple(token.folded for token in tokens(text))
