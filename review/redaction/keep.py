"""The study's keep list: words the entity finder never proposes, because they identify no one.

Interviews about chatbots name the chatbots and apps all the time ("I asked ChatGPT", "Replika said"), and a
participant's country is rarely identifying on its own; removing them would make transcripts unreadable for
analysis. A study starts with `DEFAULT_KEEP_TERMS` and its team adds or removes words; countries are kept unless
the study says otherwise. Only finds of the entity finder are filtered: a study's own list and the participant's
records always win.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import gazetteers
from .text import tokens, word_folds

# fmt: off
DEFAULT_KEEP_TERMS = (
    "ChatGPT", "Chat GPT", "GPT", "GPT-4", "GPT-4o", "GPT-5", "OpenAI", "Replika", "Pi", "Inflection", "Claude",
    "Anthropic", "Gemini", "Bard", "Copilot", "Bing", "Woebot", "Wysa", "Youper", "Character.AI", "Character AI",
    "Snapchat", "My AI", "Meta AI", "Llama", "Perplexity", "Grok", "DeepSeek", "Mistral", "Le Chat", "Siri",
    "Alexa", "Google Assistant", "Cortana", "Headspace", "Calm", "Talkspace", "BetterHelp", "Sanvello",
    "WhatsApp", "Instagram", "Facebook", "Messenger", "TikTok", "YouTube", "Reddit", "Discord", "Telegram",
    "Twitter", "X", "Google", "Microsoft", "Apple", "iPhone", "Android", "Samsung", "Meta", "Amazon", "Netflix",
    "Spotify", "Zoom", "Teams", "Skype", "Tumblr", "Pinterest", "LinkedIn", "Quora", "Wikipedia",
)
# fmt: on


@dataclass(frozen=True)
class KeepList:
    """Folded word sequences to keep; a find made only of kept words (and particles) is dropped."""

    terms: frozenset[tuple[str, ...]]

    @classmethod
    def build(cls, terms: Iterable[str] | None = None, *, keep_countries: bool = True) -> KeepList:
        chosen = DEFAULT_KEEP_TERMS if terms is None else terms
        folded = {words for words in (word_folds(term) for term in chosen) if words}
        if keep_countries:
            folded |= gazetteers.country_names()
        return cls(frozenset(folded))

    def keeps(self, text: str) -> bool:
        words = word_folds(text)
        return bool(words) and self._covered(words)

    def _covered(self, words: tuple[str, ...]) -> bool:
        """True when the words split into kept terms: "ChatGPT", "Replika Pro" (no), "Google Gemini" (yes)."""
        if not words:
            return True
        return any(words[:size] in self.terms and self._covered(words[size:]) for size in range(len(words), 0, -1))

    def strip(self, text: str) -> tuple[int, int] | None:
        """Offsets of what is left of `text` once kept words are cut off both ends ("Claude Haddad" → "Haddad");
        None when neither end is kept."""
        words = list(tokens(text))
        folded = tuple(word.folded for word in words)
        first, last = 0, len(words)
        for size in range(len(words) - 1, 0, -1):
            if folded[:size] in self.terms:
                first = size
                break
        for size in range(len(words) - first - 1, 0, -1):
            if folded[len(words) - size :] in self.terms:
                last = len(words) - size
                break
        if (first, last) == (0, len(words)) or first >= last:
            return None
        return words[first].start, words[last - 1].end
