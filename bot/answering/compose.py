"""Build Answers from knowledge entries: steps for the platform asked, the region's note,
in the member's language where a fresh translation exists.

A slash command with options and a matched free-text question both end here, so
`/optout mobile` and "how do I opt out on my phone" produce the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.answering.answer import Answer, Controls, Outcome, StepGroup, Suggestion
from bot.knowledge.locales import LANGUAGES as UI_LANGUAGES
from bot.knowledge.locales import ui_text
from bot.knowledge.schema import PLATFORM_IDS, Entry, KnowledgeBase
from bot.knowledge.translations import LANGUAGES, EntryText, Translation

DEFAULT_DECLINE = "I'm not sure I can answer that one."
DEFAULT_CLARIFY = "Your question could mean either of these. Which did you mean?"
DEFAULT_DECLINE_TITLE = "I don't know that one"
DEFAULT_CLARIFY_TITLE = "Two topics fit your question"
IN_ENGLISH = "This topic is not translated into {language} yet, so here it is in English."
# Languages read but not yet answered in: one line, in that language, saying the answer is in
# English, so a member is not left wondering whether they were understood.
NOT_ANSWERED_IN = {
    "pt": "Ainda não respondo em português, por isso a resposta vem em inglês.",
}
NATIVE_NAMES = {
    "fr": "français",
    "de": "Deutsch",
    "nl": "Nederlands",
    "es": "español",
    "it": "italiano",
}


def _fill(template: str, **values: str) -> str:
    """A moderator's template with a mistyped placeholder still gives a sentence."""
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


@dataclass(frozen=True, slots=True)
class Words:
    """Where each text comes from for one language: the translation, else the English."""

    kb: KnowledgeBase
    lang: str = "en"

    @property
    def translation(self) -> Translation | None:
        return self.kb.translations.get(self.lang) if self.lang != "en" else None

    def entry(self, entry: Entry) -> EntryText | None:
        t = self.translation
        return t.entries.get(entry.id) if t else None

    def message(self, key: str, default: str = "") -> str:
        t = self.translation
        return (t.messages.get(key) if t else None) or self.kb.message(key, default)

    def region(self, ident: str) -> tuple[str, str]:
        t = self.translation
        if t and ident in t.regions:
            return t.regions[ident]
        region = self.kb.regions[ident]
        return region.name, region.note

    def platform(self, ident: str) -> str:
        t = self.translation
        return (t.platforms.get(ident) if t else None) or self.kb.platforms[ident].name

    def title(self, entry: Entry) -> str:
        text = self.entry(entry)
        return text.title if text else entry.title

    def short_title(self, entry: Entry) -> str:
        """The entry's button label: the translation's short title (or title), else English."""
        text = self.entry(entry)
        return (text.short_title or text.title) if text else entry.label

    def ui(self, key: str, default: str) -> str:
        t = self.translation
        return (t.ui.get(key) if t else None) or default

    @property
    def labels(self) -> tuple[tuple[str, str], ...]:
        t = self.translation
        return tuple(sorted(t.ui.items())) if t else ()


def _steps(
    words: Words, entry: Entry, text: EntryText | None, platform: str | None
) -> tuple[StepGroup, ...]:
    if not entry.steps:
        return ()
    kb = words.kb
    wanted = ("desktop", "mobile") if platform is None else (platform,)
    groups = []
    for ident in wanted:
        source = ident
        if ident not in entry.steps:
            source = kb.platforms[ident].falls_back_to or "mobile"
        steps = (text.steps.get(source) if text else None) or entry.steps[source]
        groups.append(StepGroup(ident, words.platform(ident), steps))
    return tuple(groups)


def _region_note(
    words: Words, entry: Entry, text: EntryText | None, region: str | None
) -> str | None:
    """The entry's own note for the region; the shared notes only for how-tos (and entries
    that ask for them, like "does it apply where I live?", which ask for the place when none
    was named).

    The regions' notes and the region overview describe the AI-training setting, so an
    entry that brings its own region notes (a different setting, such as Microsoft ad
    sharing) shows only those and never the shared AI-training text.
    """
    if entry.regions:
        if not region:
            return None
        return (text.regions.get(region) if text else None) or entry.regions.get(region)
    if not (entry.is_howto or entry.shared_region_notes):
        return None
    if region:
        return words.region(region)[1]
    if not entry.is_howto:
        # "Does it apply where I live?" lists every region already: ask for theirs instead of
        # repeating the overview.
        return words.message("region_ask") or None
    return words.message("region_overview")


def widest_region(kb: KnowledgeBase, entry: Entry, lang: str = "en") -> str | None:
    """The region whose field (its name and note) is longest in this entry's answer in `lang`.

    That field is the only part of an answer that changes with the region, so this region's
    answer is the largest of all regions': checking it checks them all (the knowledge check
    composes it instead of every region)."""
    words = Words(kb, lang if lang in LANGUAGES else "en")
    text = words.entry(entry)

    def size(region: str) -> int:
        note = _region_note(words, entry, text, region)
        return len(note) + len(words.region(region)[0]) if note else 0

    return max(kb.regions, key=size, default=None)


def compose_entry(
    kb: KnowledgeBase,
    entry: Entry,
    *,
    question: str,
    platform: str | None = None,
    region: str | None = None,
    confidence: float = 1.0,
    lang: str = "en",
) -> Answer:
    """The answer for one entry, tailored to the platform and region (either may be None)."""
    words = Words(kb, lang if lang in LANGUAGES else "en")
    if entry.kind == "smalltalk":
        return _small_talk(words, entry, question, platform, region, confidence)
    if entry.kind == "decline":
        answer = decline(
            kb,
            question,
            [],
            confidence=confidence,
            message=_body(words, entry),
            title="",  # catchers' own titles are names for moderators, never a heading
            platform=platform,
            region=region,
            lang=lang,
        )
        return replace(answer, catcher=entry.id)
    text = words.entry(entry)
    note = _region_note(words, entry, text, region)
    related = tuple(
        Suggestion(r, words.short_title(kb.entries[r])) for r in entry.related if r in kb.entries
    )
    shown = text or entry  # an EntryText has the same field names as the Entry it translates
    return Answer(
        question=question,
        outcome=Outcome.ANSWER,
        entry_id=entry.id,
        title=shown.title,
        body=shown.answer,
        platform=platform,
        region=region,
        region_name=words.region(region)[0] if region and note else None,
        region_note=note,
        steps=_steps(words, entry, text, platform),
        link=entry.link,
        covers=shown.covers or entry.covers,
        does_not_cover=shown.does_not_cover or entry.does_not_cover,
        uncertain=shown.uncertain or entry.uncertain,
        caveat=words.message("menu_labels_may_differ") or None if entry.is_howto else None,
        sources=tuple(kb.sources[s] for s in entry.sources if s in kb.sources),
        checked=entry.checked,
        confidence=confidence,
        suggestions=related,
        kb_version=kb.version,
        labels=words.labels,
        lang=words.lang if text else "en",
        notice=None if text or words.lang == "en" else _in_english(words),
    )


def _small_talk(
    words: Words,
    entry: Entry,
    question: str,
    platform: str | None,
    region: str | None,
    confidence: float,
) -> Answer:
    """One friendly line: no title, no topics, and (in the front ends) no gap recorded."""
    return Answer(
        question=question,
        outcome=Outcome.DECLINE,
        entry_id=None,
        title="",
        body=_body(words, entry),
        platform=platform,
        region=region,
        confidence=confidence,
        kb_version=words.kb.version,
        labels=words.labels,
        small_talk=True,
        catcher=entry.id,
        lang=words.lang if words.entry(entry) else "en",
    )


def _in_english(words: Words) -> str:
    """The one line saying this topic is shown in English, in the member's language."""
    template = words.ui("in_english", "")
    name = NATIVE_NAMES[words.lang] if template else LANGUAGES[words.lang]
    return _fill(template or IN_ENGLISH, language=name)


def _body(words: Words, entry: Entry) -> str:
    text = words.entry(entry)
    return text.answer if text else entry.answer


def decline(
    kb: KnowledgeBase,
    question: str,
    suggestions: list[Suggestion],
    *,
    confidence: float = 0.0,
    message: str | None = None,
    title: str | None = None,
    platform: str | None = None,
    region: str | None = None,
    lang: str = "en",
) -> Answer:
    """An honest "I don't know", with the nearest topics to try instead."""
    words = Words(kb, lang if lang in LANGUAGES else "en")
    return Answer(
        question=question,
        outcome=Outcome.DECLINE,
        entry_id=None,
        title=words.ui("decline_title", DEFAULT_DECLINE_TITLE) if title is None else title,
        body=message or words.message("decline", DEFAULT_DECLINE),
        platform=platform,
        region=region,
        confidence=confidence,
        suggestions=tuple(suggestions),
        kb_version=kb.version,
        labels=words.labels,
        lang=words.lang if words.translation else "en",
    )


def clarify(
    kb: KnowledgeBase,
    question: str,
    choices: list[Suggestion],
    *,
    confidence: float,
    platform: str | None,
    region: str | None,
    lang: str = "en",
) -> Answer:
    """Two entries scored too close to call: ask instead of guessing."""
    words = Words(kb, lang if lang in LANGUAGES else "en")
    return Answer(
        question=question,
        outcome=Outcome.CLARIFY,
        entry_id=None,
        title=words.ui("clarify_title", DEFAULT_CLARIFY_TITLE),
        body=words.message("clarify", DEFAULT_CLARIFY),
        platform=platform,
        region=region,
        confidence=confidence,
        choices=tuple(choices),
        suggestions=tuple(choices),
        kb_version=kb.version,
        labels=words.labels,
        lang=words.lang if words.translation else "en",
    )


#: The UI words the controls under an answer use (see bot.discord_ui.views).
CONTROL_WORDS = (
    *(f"platform_{p}" for p in PLATFORM_IDS),
    "region_placeholder",
    "details",
    "helpful",
    "not_helpful",
)


def with_controls(kb: KnowledgeBase, answer: Answer, lang: str | None = None) -> Answer:
    """The answer with what its controls show resolved from `kb` (the snapshot that
    answered), in `lang` (default: the answer's own language)."""
    ui_langs = UI_LANGUAGES  # the languages with UI words; English is the default
    lang = lang if lang in ui_langs else (answer.lang if answer.lang in ui_langs else None)
    entry = kb.entries.get(answer.entry_id) if answer.outcome == Outcome.ANSWER else None
    howto = bool(entry and entry.steps)
    region_menu = howto or bool(entry and entry.regions)
    topics = {s.id: s for s in (*answer.suggestions, *answer.choices)}
    words = Words(kb, lang if lang in LANGUAGES else "en")
    controls = Controls(
        lang=lang,
        platform_buttons=howto,
        region_menu=region_menu,
        region_names=tuple((r, words.region(r)[0]) for r in kb.regions) if region_menu else (),
        topic_labels=tuple(
            (i, words.short_title(kb.entries[i]) if i in kb.entries else s.title)
            for i, s in topics.items()
        ),
        words=tuple((key, ui_text(kb.locales, lang, key)) for key in CONTROL_WORDS),
    )
    return replace(answer, controls=controls)
