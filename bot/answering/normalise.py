"""Turn raw chat text into comparable words: case, accents, emoji, mentions, markdown.

Input is capped first so a pasted wall of text costs the same as a normal question.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_INPUT_CHARS = 1200  # anything longer is cut before any work is done (80 words fit)
MAX_WORDS = 80
PHRASING_MEMO = 32_768  # phrasings whose clean() form is remembered (a few MB at most)

_DISCORD_TOKEN = re.compile(r"<(?:@[!&]?|#|a?:\w+:|/[\w -]+:|t:)\d+(?::\w)?>")
_EVERYONE = re.compile(r"@(?:everyone|here)\b", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.|discord\.gg/)\S+", re.IGNORECASE)
_APOSTROPHE = re.compile(r"(?<=\w)['’`´](?=\w)")
# French and Italian elision ("l'IA", "d'accord", "dell'IA"): the article is its own word.
_ELISION = re.compile(
    r"\b(l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|dell|all|dall|nell|sull|quell|un|po)['’`´](?=\w)",
    re.IGNORECASE,
)
# "j'ai", "n'ai" (I have): the verb, never "AI". It becomes its infinitive, a grammar word.
_FRENCH_HAVE = re.compile(r"\b([jn])['’`´]ai\b", re.IGNORECASE)
_HAS_APOSTROPHE = re.compile(r"['’`´]")
_NON_WORD = re.compile(r"[^\w]+|_+")
_REPEATS = re.compile(r"(\w)\1{2,}")


def clean(text: str) -> str:
    """Lower-cased, accent-free text with Discord markup and symbols removed, spaces kept single."""
    text = text[:MAX_INPUT_CHARS]
    text = unicodedata.normalize("NFKC", text)
    # Each pattern runs only when its tell-tale character is there: most text has none.
    if "<" in text:
        text = _DISCORD_TOKEN.sub(" ", text)
    if "@" in text:
        text = _EVERYONE.sub(" ", text)
    if "." in text or ":" in text:
        text = _URL.sub(" ", text)
    if _HAS_APOSTROPHE.search(text):
        text = _FRENCH_HAVE.sub(r"\1 avoir", text)
        text = _ELISION.sub(r"\1 ", text)
        text = _APOSTROPHE.sub("", text)
    text = text.casefold()
    if not text.isascii():
        text = "".join(
            ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)
        )
    text = _NON_WORD.sub(" ", text)
    text = _REPEATS.sub(r"\1\1", text)
    return " ".join(text.split()[:MAX_WORDS])


@lru_cache(maxsize=PHRASING_MEMO)
def clean_phrasing(text: str) -> str:
    """clean() for the knowledge's own phrasings, remembered: the loader (duplicate check) and
    the index both need them, and a reload sees mostly the same ones again. Used only for the
    knowledge's text and the phrasing a moderator teaches, never for a member's message."""
    return clean(text)


def has_markup_or_link(text: str) -> bool:
    """Mentions, @everyone/@here, custom emoji or links: things a taught phrasing must not hold."""
    return any(p.search(text) for p in (_DISCORD_TOKEN, _EVERYONE, _URL))


def has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)
