"""Prompt moderation: a local blocklist that always runs, before any provider's own check."""

from __future__ import annotations

import re
import unicodedata

# Whole words or phrases refused outright; a provider's moderation catches the subtler cases.
BLOCKED_TERMS = (
    "child porn", "child pornography", "csam", "underage nude", "underage sex", "minor nude", "loli nsfw",
    "preteen nude", "bestiality", "snuff film", "beheading video", "how to make a bomb", "nerve agent recipe",
)
_WORDS = re.compile(r"[^a-z0-9]+")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " " + _WORDS.sub(" ", text).strip() + " "


class BlocklistModerator:
    """Refuses text containing a blocked term as whole words, whatever the case, accents or punctuation."""

    def __init__(self, terms: tuple[str, ...] = BLOCKED_TERMS) -> None:
        self._terms = tuple(_normalise(term) for term in terms)

    def check(self, text: str) -> str | None:
        """The refusal reason when the prompt, folded to lower-case ASCII words, contains a blocked term; else None."""
        normalised = _normalise(text)
        if any(term in normalised for term in self._terms):
            return "The prompt asks for content that Pixmint does not create."
        return None
