"""Timestamps and text direction shared by the writers."""

from __future__ import annotations

import unicodedata

_RTL_CLASSES = frozenset({"R", "AL"})
FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


def milliseconds(seconds: float) -> int:
    """Whole milliseconds, rounding half up, never negative."""
    return max(0, int(seconds * 1000 + 0.5))


def timestamp(seconds: float, *, decimal: str = ".", with_ms: bool = True) -> str:
    """hh:mm:ss.mmm (WebVTT, text), hh:mm:ss,mmm (SRT), or hh:mm:ss (printed transcripts)."""
    total = milliseconds(seconds)
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{clock}{decimal}{ms:03d}" if with_ms else clock


def is_rtl(text: str) -> bool:
    """Whether the first strongly directional character is right-to-left (Arabic, Hebrew, Urdu...)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in _RTL_CLASSES:
            return True
        if direction == "L":
            return False
    return False


def isolate(text: str) -> str:
    """Wrap right-to-left text in a first-strong isolate, so that a Latin speaker label before it does not turn
    the line's direction and scramble its punctuation. Left-to-right text is returned unchanged."""
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}" if is_rtl(text) else text
