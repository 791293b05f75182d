"""Find the platform and region a question names, even misspelt ("moblie", "germnay").

Aliases come from the knowledge base, so moderators add "Zürich" or "Pixel" in YAML.
Found words are replaced by placeholder tokens so matching compares intents, not places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.answering.languages import FUNCTION_WORDS, common_words, detect
from bot.answering.normalise import clean
from bot.knowledge.schema import KnowledgeBase

PLATFORM_TOKEN = "platform"
REGION_TOKEN = "region"
MAX_ALIAS_WORDS = 4
MEMO_LIMIT = 20_000  # distinct words remembered per snapshot before the memo starts over
EXACT_SCAN_MEMO = 32_768  # phrasings' exact scans remembered across reloads (knowledge text only)
_EXACT_SCANS: dict[tuple[int, str], Slots] = {}
# A country or city beats an area ("Europe"), which beats a hint ("GDPR", "I'm French").
ALIAS, BROAD, HINT = 3, 2, 1

# Lower-case aliases that are ordinary words in another language: Spanish/Italian/Portuguese
# "usa" (uses), Portuguese "eu" (I). They count only in English text or written in capitals.
FALSE_FRIENDS: dict[str, frozenset[str]] = {
    "usa": frozenset({"es", "it", "pt"}),
    "eu": frozenset({"pt"}),
}
# "in French", "German menu": a language, not a place.
_LANGUAGE_BEFORE = frozenset({"in", "en", "auf", "op", "into", "to", "speak", "speaks"})
_LANGUAGE_AFTER = frozenset(
    {
        "language",
        "languages",
        "version",
        "menu",
        "menus",
        "interface",
        "ui",
        "translation",
        "langue",
        "sprache",
        "taal",
        "idioma",
        "lingua",
        "speaking",
        "speaker",
    }
)


@dataclass(frozen=True, slots=True)
class Slots:
    platform: str | None
    region: str | None
    tokens: tuple[str, ...]


def typo_budget(word: str) -> int:
    """How many edits a word of this length may carry and still count as that word."""
    n = len(word)
    return 0 if n < 5 else 1 if n < 9 else 2


class SlotFinder:
    """Precomputed alias tables for one knowledge snapshot."""

    def __init__(self, kb: KnowledgeBase, protected_words: frozenset[str]) -> None:
        self._phrases: dict[tuple[str, ...], tuple[str, str]] = {}
        self._strength: dict[tuple[str, ...], int] = {}
        self._exact_case: list[tuple[re.Pattern[str], str, str, str]] = []
        for kind, items in (("platform", kb.platforms), ("region", kb.regions)):
            for ident, item in items.items():
                hints = getattr(item, "hints", ())
                broad = getattr(item, "broad", ())
                own = ident if kind == "platform" else ""
                for alias in (*item.aliases, *broad, *hints, own):
                    strength = HINT if alias in hints else BROAD if alias in broad else ALIAS
                    self._add_alias(alias, kind, ident, strength)
        # One search says whether any capitals-only alias ("US", "CH") is there at all.
        self._any_exact_case = re.compile(
            "|".join(p.pattern for p, *_ in self._exact_case) or r"(?!)"
        )
        self._single_word = [k[0] for k in self._phrases if len(k) == 1 and len(k[0]) >= 5]
        self._multi_word: dict[int, dict[str, tuple[tuple[str, ...], str, str]]] = {}
        for key, (kind, ident) in self._phrases.items():
            if len(key) > 1:
                self._multi_word.setdefault(len(key), {})[" ".join(key)] = (key, kind, ident)
        self._first_words = sorted(
            {key[0] for by_width in self._multi_word.values() for key, _, _ in by_width.values()}
        )
        self._alias_firsts = frozenset(key[0] for key in self._phrases)
        # What the exact scans depend on: the same aliases give the same scan of a phrasing.
        self._signature = hash(
            (
                tuple(sorted(self._phrases.items())),
                tuple(sorted(self._strength.items())),
                tuple(
                    (p.pattern, folded, kind, ident) for p, folded, kind, ident in self._exact_case
                ),
            )
        )
        self._could_start: dict[str, bool] = {}
        self._single: dict[str, tuple[int, str, str] | None] = {}
        alias_words = {w for key in self._phrases for w in key}
        everyday = common_words() | frozenset().union(*FUNCTION_WORDS.values())
        # Everyday words of any language never bend into a place: "meine" is not "Maine".
        self._protected = (protected_words | everyday) - alias_words

    def _add_alias(self, alias: str, kind: str, ident: str, strength: int) -> None:
        """Short all-capitals aliases ("US", "CH") match only as written; others by words."""
        if not alias:
            return
        if alias.isupper() and len(alias.replace(".", "")) <= 3:
            pattern = re.compile(rf"(?<![A-Za-z]){re.escape(alias)}(?![A-Za-z])")
            self._exact_case.append((pattern, clean(alias), kind, ident))
            return
        key = tuple(clean(alias).split())
        if key:
            self._phrases.setdefault(key, (kind, ident))
            self._strength.setdefault(key, strength)

    def _near(self, token: str, alias_word: str) -> bool:
        if token == alias_word:
            return True
        if token in self._protected or not token.isalpha():
            return False
        budget = typo_budget(alias_word)
        return budget > 0 and OSA.distance(token, alias_word, score_cutoff=budget) <= budget

    def find(self, raw: str, tokens: list[str], *, exact: bool = False) -> Slots:
        """`exact`: aliases only as written (the knowledge's own phrasings are spelt as meant,
        and the misspelling look-ups are most of the cost of indexing them). Exact scans of a
        phrasing are remembered for as long as the aliases stay the same, so a reload that
        changed no place name scans only the phrasings it has not seen."""
        if not exact:
            return self._find(raw, tokens, exact)
        key = (self._signature, raw)
        if (slots := _EXACT_SCANS.get(key)) is None:
            if len(_EXACT_SCANS) >= EXACT_SCAN_MEMO:
                _EXACT_SCANS.clear()
            slots = _EXACT_SCANS[key] = self._find(raw, tokens, exact)
        return slots

    def _find(self, raw: str, tokens: list[str], exact: bool) -> Slots:
        found, out = self._scan(raw, tokens, exact)
        exact_case = self._exact_case if self._any_exact_case.search(raw) else ()
        for pattern, folded, kind, ident in exact_case:
            if pattern.search(raw):
                found.append((kind, ident, ALIAS))
                placeholder = PLATFORM_TOKEN if kind == "platform" else REGION_TOKEN
                out = [placeholder if t == folded else t for t in out]
        platforms = [ident for kind, ident, _ in found if kind == "platform"]
        return Slots(_resolve_platform(platforms), _strongest_region(found), tuple(out))

    def _scan(
        self, raw: str, tokens: list[str], exact: bool = False
    ) -> tuple[list[tuple[str, str, int]], list[str]]:
        """Aliases found (kind, id, strength), and the words with each alias replaced by its
        placeholder, so matching compares what is asked rather than where."""
        found: list[tuple[str, str, int]] = []
        out: list[str] = []
        lang = detect(raw, tokens)[0] if any(t in FALSE_FRIENDS for t in tokens) else "en"
        i = 0
        while i < len(tokens):
            hit = self._exact_at(tokens, i) if exact else self._match_at(tokens, i)
            if hit is None or self._false_friend(raw, tokens, i, hit, lang):
                out.append(tokens[i])
                i += 1
                continue
            width, kind, ident = hit
            key = tuple(tokens[i : i + width])
            strength = self._strength.get(key, ALIAS)
            if strength == HINT and self._names_a_language(tokens, i, width):
                out.extend(key)
            else:
                found.append((kind, ident, strength))
                out.append(PLATFORM_TOKEN if kind == "platform" else REGION_TOKEN)
            i += width
        return found, out

    @staticmethod
    def _false_friend(
        raw: str, tokens: list[str], i: int, hit: tuple[int, str, str], lang: str
    ) -> bool:
        """ "usa" in "LinkedIn usa mis datos" is a verb, not the USA (unless written USA)."""
        width = hit[0]
        word = tokens[i]
        if width != 1 or lang not in FALSE_FRIENDS.get(word, ()):
            return False
        return re.search(rf"(?<![A-Za-z]){re.escape(word.upper())}(?![A-Za-z])", raw) is None

    @staticmethod
    def _names_a_language(tokens: list[str], i: int, width: int) -> bool:
        """ "my LinkedIn is in French", "the German menu": a language, not where someone is."""
        before = tokens[i - 1] if i > 0 else ""
        after = tokens[i + width] if i + width < len(tokens) else ""
        return before in _LANGUAGE_BEFORE or after in _LANGUAGE_AFTER

    def _exact_at(self, tokens: list[str], i: int) -> tuple[int, str, str] | None:
        if tokens[i] in self._alias_firsts:
            for width in range(min(MAX_ALIAS_WORDS, len(tokens) - i), 0, -1):
                key = tuple(tokens[i : i + width])
                if key in self._phrases:
                    return (width, *self._phrases[key])
        return None

    def _match_at(self, tokens: list[str], i: int) -> tuple[int, str, str] | None:
        """An alias as written, else a misspelt one."""
        return self._exact_at(tokens, i) or self._fuzzy_at(tokens, i)

    def _fuzzy_at(self, tokens: list[str], i: int) -> tuple[int, str, str] | None:
        """Misspelt aliases: every word within its own typo budget; known words never bend."""
        first = tokens[i]
        could_start = self._memo(self._could_start, first, self._starts_alias)
        for width, aliases in self._multi_word.items() if could_start else ():
            window = tokens[i : i + width]
            if len(window) < width:
                continue
            joined = " ".join(window)
            budget = sum(typo_budget(w) for w in window)
            if budget == 0:
                continue
            for _, _, alias in process.extract(
                joined, aliases, scorer=OSA.distance, score_cutoff=budget, limit=3
            ):
                key, kind, ident = aliases[alias]
                if all(self._near(t, a) for t, a in zip(window, key, strict=True)):
                    return (width, kind, ident)
        return self._memo(self._single, tokens[i], self._single_alias)

    def _memo(self, cache: dict, token: str, compute):
        """Per-word results of the fuzzy look-ups: the same words come back in every question."""
        if token not in cache:
            if len(cache) >= MEMO_LIMIT:
                cache.clear()
            cache[token] = compute(token)
        return cache[token]

    def _starts_alias(self, first: str) -> bool:
        return first in self._first_words or (
            typo_budget(first) > 0
            and first not in self._protected
            and process.extractOne(
                first, self._first_words, scorer=OSA.distance, score_cutoff=typo_budget(first)
            )
            is not None
        )

    def _single_alias(self, token: str) -> tuple[int, str, str] | None:
        if token in self._protected or not token.isalpha() or typo_budget(token) == 0:
            return None
        budget = typo_budget(token)
        best = process.extractOne(
            token, self._single_word, scorer=OSA.distance, score_cutoff=budget
        )
        if best is not None and abs(len(best[0]) - len(token)) <= budget:
            return (1, *self._phrases[(best[0],)])
        return None


def _strongest_region(found: list[tuple[str, str, int]]) -> str | None:
    """The first region among the strongest named: a country beats an area beats a hint."""
    regions = [(strength, ident) for kind, ident, strength in found if kind == "region"]
    strongest = max((s for s, _ in regions), default=0)
    return next((ident for s, ident in regions if s == strongest), None)


def _resolve_platform(found: list[str]) -> str | None:
    """One platform for the answer: specific beats general; web plus app means show both."""
    kinds = set(found)
    if not kinds:
        return None
    mobile_like = kinds & {"mobile", "ios", "android"}
    if "desktop" in kinds and mobile_like:
        return None
    if {"ios", "android"} <= kinds:
        return "mobile"
    for specific in ("ios", "android", "mobile", "desktop"):
        if specific in kinds:
            return specific
    return None
