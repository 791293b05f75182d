"""Concept folding: about 300 content words of the five languages read as one English word.

Each language's phrasings cover each topic, but with that language's words only: a Dutch
question saying "schakelaar" met the Dutch phrasings that said "schakelaar", not those that
said "knop", nor the English ones that said "toggle". Folding the words of one meaning into one
term lets a question meet every phrasing that says the same thing, in any language. The list
(wordlists/concepts.txt) names meanings, never questions; it also lists the forms of a few
verbs in one language as one term, where a stemmer splits them or none reads them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from bot.answering.normalise import clean

_CONCEPTS = Path(__file__).with_name("wordlists") / "concepts.txt"

Stemmer = Callable[[str, str], str]


def read_concepts(path: Path = _CONCEPTS) -> dict[str, list[str]]:
    """English word -> its words in the other languages, cleaned as questions are."""
    concepts: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("="):  # names: each is its own concept, read as in English
            for name in clean(line[1:]).split():
                concepts.setdefault(name, [name])
            continue
        head, _, words = line.partition(":")
        cleaned = (clean(word).split() for word in words.split())
        concepts[clean(head)] = [parts[0] for parts in cleaned if len(parts) == 1]
    return concepts


def build_folds(
    stem: Stemmer, languages: Iterable[str], english_words: frozenset[str]
) -> dict[str, dict[str, str]]:
    """Per stemming language, a listed word -> the concept's English stem.

    The words themselves are folded, not their stems: German "Schalter" (toggle) and
    "schalte" (switch) share a stem.

    Under the English stemmer (which also stems Spanish, Italian and unplaced words) an
    everyday English word is never folded: Dutch "wet" is a law, English "wet" is not."""
    targets = {head: (stem(head, "en"), words) for head, words in read_concepts().items()}
    folds: dict[str, dict[str, str]] = {}
    for lang in languages:
        fold: dict[str, str] = {}
        for head, (target, words) in targets.items():
            for word in words:
                if lang == "en" and (word in english_words or word == head):
                    continue
                fold.setdefault(word, target)
        folds[lang] = fold
    return folds
