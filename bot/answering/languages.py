"""Which language a question is in, and which words are grammar rather than topic.

Members write in English, French, German, Dutch, Spanish and Italian (and sometimes
Portuguese). Function words ("meine", "usa", "eu", "la") must never become places or
be bent into English topic words, and the language of a question decides which
lower-case aliases are false friends. Detection is a small model of our own: function
words plus word-frequency lists (wordlists/, see its README) and a few letters that
only some languages use. It needs at least two pieces of evidence, so a single word
never decides.
"""

from __future__ import annotations

import math
import re
from functools import cache, lru_cache
from pathlib import Path

from bot.answering.normalise import MAX_INPUT_CHARS
from bot.knowledge.translations import LANGUAGES as TRANSLATED

# The languages questions are read in (and phrasing files may be written in): Portuguese is
# understood, answered in English, as there is no Portuguese text yet.
LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "nl", "es", "it", "pt")
ANSWER_LANGUAGES: tuple[str, ...] = ("en", *TRANSLATED)
_WORDLISTS = Path(__file__).with_name("wordlists")


def _w(text: str) -> list[str]:
    return text.split()


# Grammar words only (accents already stripped, as normalise.clean() leaves them).
# Question words ("how", "comment", "wie") stay content: they tell a how-to from a what-is.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        _w(
            "the a an and or but i me my mine you your he she it its we our they their them is "
            "are am was were be been being do does did dont doesnt didnt have has had can cant "
            "could would should will wont shall to of on in at for from by with about into this "
            "that these those there here not no yes if so than then too very also just still im "
            "ive id ill whats thats isnt arent my any some"
        )
    ),
    "fr": frozenset(
        _w(
            "le la les l un une des du de d au aux et ou mais donc car ni je j tu il elle on nous "
            "vous ils elles me m te t se s moi toi lui leur leurs mon ma mes ton ta tes son sa "
            "ses notre nos votre vos ce c cet cette ces ca cela qui que qu quoi dont y en ne n "
            "pas plus est es suis sont sommes etes etait ete etre ai as avons avez ont avait "
            "avoir a sur sous dans par pour avec sans chez vers entre tres aussi bien deja encore "
            "si"
        )
    ),
    "de": frozenset(
        _w(
            "der die das den dem des ein eine einen einem einer eines und oder aber ich du er sie "
            "es wir ihr mich mir dich dir sich uns euch mein meine meinen meinem meiner dein "
            "deine sein seine ihre ihren unser unsere ist bin bist sind seid war waren wird "
            "werden wurde habe hast hat haben hatte kann konnen muss mussen soll will zu zum zur "
            "von vom mit bei beim auf fur uber unter nach vor durch gegen ohne um im ins am an "
            "als dass auch noch schon nur sehr mal ja doch denn dann nicht kein keine einfach"
        )
    ),
    "nl": frozenset(
        _w(
            "de het een en of maar ik je jij u hij zij ze wij we jullie mij me mijn jouw zijn "
            "haar ons onze hun is ben bent zijn was waren wordt worden werd heb hebt heeft hebben "
            "had kan kun kunnen moet moeten wil zal zou te van voor met op aan bij naar over door "
            "tot om in dit dat deze die er hier daar ook nog al wel niet geen dan toch even"
        )
    ),
    "es": frozenset(
        _w(
            "el la los las lo un una unos unas de del al y e o u pero que se me te le les nos mi "
            "mis tu tus su sus yo tu el ella nosotros ellos usted es son soy eres esta estan "
            "estoy ha han he hay fue era ser estar tengo tiene para por con sin sobre en entre "
            "desde hasta este esta estos estas ese esa eso esto muy mas ya tambien si no"
        )
    ),
    "it": frozenset(
        _w(
            "il lo la i gli le l un uno una un di del dello della dei degli delle a al allo alla "
            "ai agli alle da dal dalla in nel nello nella nei su sul sulla con per tra fra e ed o "
            "ma che chi io tu lui lei noi voi loro mi ti si ci vi ne mio mia miei mie tuo tua suo "
            "sua nostro nostra è e sono sei siamo era ho hai ha abbiamo hanno essere avere questo "
            "questa quello quella anche gia ancora molto non piu"
        )
    ),
    "pt": frozenset(
        _w(
            "o a os as um uma de do da dos das em no na nos nas ao aos e ou mas que se me te eu "
            "voce ele ela nos eles meu minha meus minhas seu sua seus suas para por com sem sobre "
            "e sao foi era ser estar esta estou tem tenho isso este esta muito mais ja tambem nao"
        )
    ),
}
# Question words: evidence of a language for detection, but topic words to the matcher
# ("how" asks for steps, "what" for an explanation).
QUESTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"what", "how", "why", "when", "where", "which", "who", "whats"}),
    "fr": frozenset({"comment", "pourquoi", "quand", "ou", "quel", "quelle", "quels", "quoi"}),
    "de": frozenset({"wie", "warum", "wann", "wo", "welche", "welcher", "was", "wer", "wieso"}),
    "nl": frozenset({"hoe", "waarom", "wanneer", "waar", "welke", "wat", "wie"}),
    "es": frozenset({"como", "porque", "cuando", "donde", "cual", "que", "quien"}),
    "it": frozenset({"come", "perche", "quando", "dove", "quale", "quali", "cosa", "chi"}),
    "pt": frozenset({"como", "porque", "quando", "onde", "qual", "quem"}),
}
# "If" in each language: "if I turn it off, does it also stop...?" asks what switching off does;
# so does switching off as the subject ("does turning it off stop...?", "disattivando...").
CONDITIONAL_WORDS = frozenset({"if", "si", "se", "wenn", "falls", "als"}) | frozenset(
    _w("turning switching disabling opting toggling desactivant disattivando desactivando")
)
# "How", "where" and "link" in each language: what a question for steps asks with.
HOW_WORDS = frozenset(
    _w("how where link comment ou lien wie wo hoe waar como donde come dove onde")
)
# "ai" is Italian and French grammar but also "AI": never a function word here.
_NEVER_FUNCTION = frozenset({"ai", "ia", "ki", "data", "app", "a"})


@cache
def foreign_function_words() -> frozenset[str]:
    """Grammar words of the other languages that are not also everyday English words.

    "die", "over", "per" stay: they mean something in an English question.
    """
    english = {w for w, rank in frequency_rank("en").items() if rank < 2_000}
    other = frozenset().union(*(words for lang, words in FUNCTION_WORDS.items() if lang != "en"))
    return other - english - FUNCTION_WORDS["en"] - _NEVER_FUNCTION


# Letters that (after case folding, before accents are stripped) point to a language.
_LETTERS: dict[str, str] = {
    "ß": "de",
    "ä": "de",
    "ö": "de",
    "ü": "de",
    "ñ": "es",
    "¿": "es",
    "¡": "es",
    "ç": "fr",
    "è": "fr",
    "ê": "fr",
    "â": "fr",
    "î": "fr",
    "œ": "fr",
    "ò": "it",
    "ì": "it",
    "ã": "pt",
    "õ": "pt",
}

_LETTER_PATTERN = re.compile("[" + "".join(_LETTERS) + "]")
# Words whose language evidence is remembered (the knowledge's words and recent questions').
EVIDENCE_MEMO = 16_384


@cache
def frequency_rank(lang: str) -> dict[str, int]:
    """Rank of each word in the language's frequency list (0 = most common)."""
    path = _WORDLISTS / f"{lang}.txt"
    words = path.read_text(encoding="utf-8").split()
    return {w: i for i, w in enumerate(words)}


@cache
def common_words(english_top: int = 10_000, foreign_top: int = 2_000) -> frozenset[str]:
    """Everyday words of every language: spelling correction never bends these."""
    words: set[str] = set()
    for lang in LANGUAGES:
        limit = english_top if lang == "en" else foreign_top
        words.update(w for w, rank in frequency_rank(lang).items() if rank < limit)
    return frozenset(words)


def _weight(rank: int | None) -> float:
    """Common words say more about a language than rare ones; absent words say nothing."""
    if rank is None:
        return 0.0
    return 1.0 / math.log(rank + 3)


@cache
def _marked(lang: str) -> frozenset[str]:
    return FUNCTION_WORDS[lang] | QUESTION_WORDS[lang]


@lru_cache(maxsize=EVIDENCE_MEMO)
def _evidence(word: str) -> tuple[tuple[str, float], ...]:
    """The languages a word points to and how strongly. Read per word, when first met, rather
    than as a table of every listed word: building that table took 45 ms of the first load."""
    pairs = []
    for lang in LANGUAGES:
        weight = 0.3 * _weight(frequency_rank(lang).get(word))
        if word in _marked(lang):
            weight += 1.0
        if weight:
            pairs.append((lang, weight))
    return tuple(pairs)


def detect(raw: str, words: list[str]) -> tuple[str, float]:
    """The question's language and a margin (0 when unsure). `words` are clean() tokens.

    English is the answer when the evidence is thin: fewer than two words that point
    elsewhere never switch the language.
    """
    # Only as much of the text as clean() reads: the cache below never keeps a wall of text.
    return _detect(raw[:MAX_INPUT_CHARS], tuple(words))


def _scores(raw: str, words: tuple[str, ...]) -> tuple[dict[str, float], dict[str, int]]:
    """Per language: the weight of the words and letters pointing to it, and their count."""
    scores = dict.fromkeys(LANGUAGES, 0.0)
    evidence = dict.fromkeys(LANGUAGES, 0)
    for word in words:
        for lang, weight in _evidence(word):
            scores[lang] += weight
            evidence[lang] += 1
    for ch in _LETTER_PATTERN.findall(raw.casefold()):
        lang = _LETTERS[ch]
        scores[lang] += 0.6
        evidence[lang] += 1
    return scores, evidence


LEAN_RATIO = 1.2  # the leading language's weight over the next one's, for lean()


def lean(raw: str, words: list[str]) -> str | None:
    """The answer language a short message leans to, even on one word ("Danke", "gracias"):
    only for replies where one word is all there is (small talk), never to read a question."""
    scores, _ = _scores(raw, tuple(words))
    if scores["en"] > 0:
        return None  # "ok", "super", "cool": English too, so nothing to lean on
    ranked = sorted(ANSWER_LANGUAGES, key=lambda lang: -scores[lang])
    best, second = scores[ranked[0]], scores[ranked[1]]
    if best > 0 and best >= LEAN_RATIO * second:
        return ranked[0]
    return None  # "hallo" is German and Dutch alike


@lru_cache(maxsize=256)
def _detect(raw: str, words: tuple[str, ...]) -> tuple[str, float]:
    scores, evidence = _scores(raw, words)
    ranked = sorted(scores, key=lambda lang: -scores[lang])
    best = ranked[0]
    # The lead that matters is over the languages we could answer in instead: Portuguese
    # sharing "por" with Spanish does not make a Spanish question unsure.
    rivals = [
        lang for lang in ranked[1:] if lang in ANSWER_LANGUAGES or best not in ANSWER_LANGUAGES
    ]
    second = rivals[0] if rivals else ranked[1]
    margin = scores[best] - scores[second]
    if second != "en" and margin > 0 and scores[best] - scores["en"] >= CLEARLY_FOREIGN:
        # Plainly not English, and closest to one language: Spanish and Italian share "un"
        # and "al", so their own words decide, however small their weight.
        margin = max(margin, LANGUAGE_MARGIN)
    if best == "en" or evidence[best] < 2 or margin <= 0:
        return "en", max(0.0, margin) if best == "en" else 0.0
    return best, margin


# Two pieces of evidence are always required (detect); past that, a small lead is enough:
# on the tune split 0.1 reads 214 of 215 questions in the five languages right and 1 of 548
# English questions as another language (a lead of 1.0 read only 88% right).
LANGUAGE_MARGIN = 0.1
# A lead over English this large (two grammar words' worth) means "not English" for sure.
CLEARLY_FOREIGN = 2.0


def choose_language(
    raw: str, words: list[str], forced: str | None = None, default: str | None = None
) -> str:
    """The answer's language: forced (a Discord locale, --lang), else what the question is
    written in when the evidence is clear, else the server's default, else English."""
    if forced in ANSWER_LANGUAGES:
        return forced
    if forced is not None:
        return "en"  # a locale we have no text for
    lang, margin = detect(raw, words)
    if lang in ANSWER_LANGUAGES and lang != "en" and margin >= LANGUAGE_MARGIN:
        return lang
    if lang == "en" and margin >= LANGUAGE_MARGIN:
        return "en"
    return default if default in ANSWER_LANGUAGES else "en"


def phrasing_language(raw: str, words: list[str]) -> str:
    """The phrasings file a taught phrasing joins: the language an answer would be in, or a
    language read but not answered in (Portuguese) when the text is plainly in it."""
    chosen = choose_language(raw, words)
    if chosen != "en":
        return chosen
    lang, margin = detect(raw, words)
    return lang if lang not in ANSWER_LANGUAGES and margin >= LANGUAGE_MARGIN else "en"


def unanswered_language(raw: str, words: list[str], forced: str | None = None) -> str | None:
    """A language the member plainly uses (forced, or the question's own) that is read but
    has no answer texts (Portuguese); None otherwise."""
    if forced is not None:
        base = forced.split("-")[0].lower()
        return base if base in LANGUAGES and base not in ANSWER_LANGUAGES else None
    lang = phrasing_language(raw, words)
    return lang if lang not in ANSWER_LANGUAGES else None


def small_talk_language(
    raw: str, words: list[str], chosen: str, forced: str | None, default: str | None = None
) -> str:
    """A one-line reply's language: as chosen, unless nothing forced it, no server default
    breaks the tie and the text was too short to read, when a word that belongs to one
    language only ("Danke") is enough for a one-line reply (never to read a question)."""
    if (
        forced is not None
        or default in ANSWER_LANGUAGES
        or detect(raw, words)[1] >= LANGUAGE_MARGIN
    ):
        return chosen
    return lean(raw, words) or chosen


def from_locale(locale: str | None) -> str | None:
    """Discord's locale ("de", "es-ES", "es-419", "fr"...) to an answer language, or None."""
    if not locale:
        return None
    base = str(locale).split("-")[0].lower()
    return base if base in ANSWER_LANGUAGES else "en"


LATIN_END = 0x250  # Basic Latin to Latin Extended-B: every language the bot reads


def mostly_unread_script(raw: str) -> bool:
    """Written mostly in a script none of the bot's languages use (Japanese, Cyrillic,
    Arabic...): "LinkedIn" and "AI" in Latin letters do not make it readable."""
    letters = [ch for ch in raw[:MAX_INPUT_CHARS] if ch.isalpha()]
    if len(letters) < 4:
        return False
    return sum(ord(ch) < LATIN_END for ch in letters) < len(letters) / 2
