"""Score a question against every entry's example phrasings and decide what to do.

Each example is scored on two things: how much of the question's weighted vocabulary
it explains (rare words weigh more, unknown words count against), and a rapidfuzz
word-order-free similarity. An entry's score is its best example (Rasa-style max).
Then: answer, ask which of two when the top two are too close, or decline.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.answering.normalise import clean
from bot.answering.slots import PLATFORM_TOKEN, REGION_TOKEN, SlotFinder, Slots, typo_budget
from bot.knowledge.schema import KnowledgeBase

# Function words carry no topic; everything else is weighed by rarity across entries.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "i",
        "im",
        "me",
        "my",
        "mine",
        "we",
        "our",
        "you",
        "your",
        "u",
        "ur",
        "it",
        "its",
        "is",
        "are",
        "am",
        "be",
        "been",
        "was",
        "were",
        "to",
        "of",
        "on",
        "in",
        "at",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "so",
        "if",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "please",
        "pls",
        "plz",
        "hi",
        "hey",
        "hello",
        "thanks",
        "thank",
        "ok",
        "okay",
        "just",
        "any",
        "some",
        "get",
        "got",
        "about",
        "as",
        "into",
        "up",
        "then",
        "than",
        "too",
        "very",
        "really",
        "also",
        "still",
        "one",
    ]
)

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word) if word.isalpha() else word


LEX_WEIGHT = 0.6
FUZZ_WEIGHT = 0.4
BETA2 = 0.5  # >1 favours recall of the question's words over precision of the example's
COVERAGE_WEIGHT = 0.35  # share of the question's weight found anywhere in the entry's vocabulary
MAX_CANDIDATES = 60


def clamp_limit(limit: int, most: int) -> int:
    """0..most: rapidfuzz crashes on a negative ``limit``, so none may ever reach it."""
    return max(0, min(int(limit), most))


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score cut-offs (0-100), calibrated on the tuning half of tests/data/questions.yaml."""

    answer: float = 37.0
    margin: float = 3.0
    decline_entry: float = 45.0
    strict_answer: float = 55.0
    strict_margin: float = 8.0
    max_words: int = 60


@dataclass(frozen=True, slots=True)
class Query:
    raw: str
    slots: Slots
    content: tuple[str, ...]
    unknown: int
    total_words: int


@dataclass(frozen=True, slots=True)
class Ranked:
    entry_id: str
    score: float


class Index:
    """Everything precomputed from one knowledge snapshot for fast matching."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        raw_vocab: set[str] = set()
        for entry in kb.entries.values():
            for text in (*entry.examples, entry.title):
                raw_vocab.update(clean(text).split())
        self.slots = SlotFinder(kb, frozenset(raw_vocab))
        self._surface = sorted(w for w in raw_vocab if w.isalpha() and w not in STOPWORDS)
        self._surface_set = frozenset(self._surface)
        self._example_entry: list[str] = []
        self._example_text: list[str] = []
        self._example_tokens: list[frozenset[str]] = []
        entry_tokens: dict[str, set[str]] = defaultdict(set)
        for entry in kb.entries.values():
            for example in entry.examples:
                words = clean(example).split()
                tokens = self._terms(self.slots.find(example, words).tokens)
                if not tokens:
                    continue
                self._example_entry.append(entry.id)
                self._example_text.append(" ".join(tokens))
                self._example_tokens.append(frozenset(tokens))
                entry_tokens[entry.id].update(tokens)
        n_entries = max(1, len(entry_tokens))
        df: dict[str, int] = defaultdict(int)
        for tokens in entry_tokens.values():
            for token in tokens:
                df[token] += 1
        self._idf = {t: math.log(1 + n_entries / d) for t, d in df.items()}
        self._unknown_idf = math.log(1 + n_entries / 0.5)
        self._vocab = sorted(self._idf)
        self._vocab_set = frozenset(self._vocab)
        self._postings: dict[str, list[int]] = defaultdict(list)
        for i, tokens in enumerate(self._example_tokens):
            for token in tokens:
                self._postings[token].append(i)
        self._example_weight = [sum(self._idf[t] for t in toks) for toks in self._example_tokens]
        self._entry_vocab = {e: frozenset(toks) for e, toks in entry_tokens.items()}
        self._titles = {e.id: clean(e.title) for e in kb.entries.values() if e.kind == "answer"}

    @property
    def example_count(self) -> int:
        return len(self._example_text)

    def correct(self, token: str) -> str:
        """Map a misspelt word to the nearest known word within its typo budget."""
        if token in self._surface_set or token in STOPWORDS or not token.isalpha():
            return token
        budget = typo_budget(token)
        if budget == 0:
            return token
        best = process.extractOne(token, self._surface, scorer=OSA.distance, score_cutoff=budget)
        return best[0] if best is not None else token

    def _terms(self, tokens: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """Content words, typo-corrected and stemmed, so "opting" meets "opt out"."""
        terms = []
        for token in tokens:
            if token in STOPWORDS:
                continue
            fixed = self.correct(token)
            if fixed not in STOPWORDS:
                terms.append(stem(fixed))
        return tuple(terms)

    def analyse(self, question: str) -> Query:
        words = clean(question).split()
        slots = self.slots.find(question, words)
        content = self._terms(slots.tokens)
        unknown = sum(1 for term in content if term not in self._vocab_set)
        return Query(question, slots, content, unknown, len(words))

    def rank(self, query: Query) -> list[Ranked]:
        """Entries by their best example's score, best first."""
        tokens = frozenset(query.content)
        if not tokens:
            return []
        q_weight = sum(self._idf.get(t, self._unknown_idf) for t in tokens)
        overlap: dict[int, float] = defaultdict(float)
        for token in tokens:
            weight = self._idf.get(token)
            if weight is None:
                continue
            for i in self._postings.get(token, ()):
                overlap[i] += weight
        if not overlap:
            return []
        q_text = " ".join(query.content)
        lex_scores = {}
        for i, shared in overlap.items():
            recall = shared / q_weight
            precision = shared / self._example_weight[i]
            lex_scores[i] = (1 + BETA2) * recall * precision / (BETA2 * precision + recall)
        top = sorted(lex_scores, key=lambda i: (-lex_scores[i], i))[:MAX_CANDIDATES]
        best: dict[str, float] = {}
        for i in top:
            similarity = fuzz.token_sort_ratio(q_text, self._example_text[i]) / 100
            score = LEX_WEIGHT * lex_scores[i] + FUZZ_WEIGHT * similarity
            entry_id = self._example_entry[i]
            if score > best.get(entry_id, -1.0):
                best[entry_id] = score
        for entry_id, score in best.items():
            vocab = self._entry_vocab[entry_id]
            coverage = sum(self._idf[t] for t in tokens if t in vocab) / q_weight
            best[entry_id] = 100 * ((1 - COVERAGE_WEIGHT) * score + COVERAGE_WEIGHT * coverage)
        return [Ranked(e, s) for e, s in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))]

    def nearest_titles(self, text: str, limit: int = 3) -> list[str]:
        """Fallback suggestions when no example shares a word with the question."""
        limit = clamp_limit(limit, len(self._titles))
        if limit == 0:
            return []
        if not text.strip():
            return list(self._titles)[:limit]
        scored = process.extract(
            clean(text), self._titles, scorer=fuzz.token_set_ratio, limit=limit
        )
        return [key for _, _, key in scored]


__all__ = [
    "PLATFORM_TOKEN",
    "REGION_TOKEN",
    "Index",
    "Query",
    "Ranked",
    "Thresholds",
    "clamp_limit",
]
