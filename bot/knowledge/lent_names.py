"""A warning for a phrasing that lends an off-topic word to an answer entry.

The engine declines a question that names something only the off-topic entries know
("Mastodon", "Grok", "Slack"). One answer phrasing that mentions such a name in passing
("I posted the link on Mastodon") makes the name shared, and from then on "how do I opt out
of Mastodon training on my posts" is answered as if it were about LinkedIn's setting.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path

from bot.answering.languages import common_words
from bot.knowledge.problems import Problem
from bot.knowledge.translations import LANGUAGES as TRANSLATED

# A word more answer phrasings than this use is the answer entries' own word too, not a lent
# one; a word fewer off-topic phrasings than MIN_CATCHER_USES use is not yet theirs either (an
# everyday word such as "duplicate" may appear once on each side).
LENT_AT_MOST = 2
MIN_CATCHER_USES = 2
MIN_NAME_LENGTH = 4


@lru_cache(maxsize=256)
def _english(label: str) -> bool:
    """The loader's rule: entry files hold English phrasings, and a phrasings file not named
    after one of the translated languages is read as English too."""
    return "phrasings" not in Path(label).parts or Path(label).stem not in TRANSLATED


def lent_names(
    phrasings: Mapping[str, tuple[str, str, int]], kinds: Mapping[str, str]
) -> Iterator[Problem]:
    """`phrasings`: each phrasing's clean form -> (entry id, file, line); `kinds`: entry id ->
    kind. Warns at each answer phrasing that uses an uncommon word otherwise found only in
    off-topic and small-talk phrasings (the engine's catchers: every entry not an answer)."""
    catcher_words: dict[str, tuple[str, int]] = {}
    catcher_uses: Counter[str] = Counter()
    for text, (ident, label, line) in phrasings.items():
        if kinds.get(ident) != "answer" and _english(label):
            # Names are read from English phrasings, as the engine reads them: the other
            # languages' word lists are short, so their everyday words would pass for names.
            for word in set(text.split()):
                if len(word) >= MIN_NAME_LENGTH and word.isalpha():
                    catcher_words.setdefault(word, (label, line))
                    catcher_uses[word] += 1
    names = {w for w, n in catcher_uses.items() if n >= MIN_CATCHER_USES} - common_words()
    in_answers: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for text, (ident, label, line) in phrasings.items():
        if kinds.get(ident) == "answer":
            for word in names.intersection(text.split()):
                in_answers[word].append((ident, label, line))
    for word in sorted(names):
        uses = in_answers.get(word, ())
        if 0 < len(uses) <= LENT_AT_MOST:
            where = "{}:{}".format(*catcher_words[word])
            for ident, label, line in uses:
                yield Problem(
                    label,
                    line,
                    f"a phrasing of '{ident}' names '{word}', which otherwise only the off-topic "
                    f"entries know (as at {where}): questions about {word} would then be answered "
                    "as about this setting; reword one of the two",
                    severity="warning",
                )
