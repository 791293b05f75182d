"""The plain-data Answer every front end renders (Discord embed, terminal text, JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.knowledge.schema import Source
from bot.outcome import Outcome


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class StepGroup:
    platform: str
    label: str
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Controls:
    """What the controls under an answer show, resolved from the same knowledge snapshot
    that answered, so a reload between answering and rendering cannot mix two versions.

    `lang` is the controls' language (None: the English defaults); `words` the UI words
    they need, `region_names` the region menu's options and `topic_labels` the short
    labels of the suggested and offered topics, all as (key, text) pairs (hashable)."""

    lang: str | None = None
    platform_buttons: bool = False  # the entry has steps per platform
    region_menu: bool = False  # steps, or notes that differ per region
    region_names: tuple[tuple[str, str], ...] = ()
    topic_labels: tuple[tuple[str, str], ...] = ()
    words: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Answer:
    """What the bot says, decided by the core; front ends only choose how it looks."""

    question: str
    outcome: Outcome
    entry_id: str | None
    title: str
    body: str
    platform: str | None = None
    region: str | None = None
    region_name: str | None = None
    region_note: str | None = None
    steps: tuple[StepGroup, ...] = ()
    link: str | None = None
    covers: tuple[str, ...] = ()
    does_not_cover: tuple[str, ...] = ()
    uncertain: str | None = None
    caveat: str | None = None
    sources: tuple[Source, ...] = ()
    checked: date | None = None
    confidence: float = 0.0
    suggestions: tuple[Suggestion, ...] = ()
    choices: tuple[Suggestion, ...] = ()
    kb_version: str = ""
    # "hi", "thanks", "that worked": a short friendly line, not a gap in the knowledge.
    small_talk: bool = False
    # The off-topic or small-talk entry that recognised the question (never shown as a title).
    catcher: str | None = None
    # A wrong belief in the question, corrected in one plain line above the answer.
    premise: str | None = None
    # The language the answer is written in, and a line saying when it fell back to English.
    lang: str = "en"
    notice: str | None = None
    # The layout's own words in that language as (key, text) pairs; bot.presentation.labels
    # reads them. Pairs, not a dict, so an Answer stays hashable (the phone layout caches).
    labels: tuple[tuple[str, str], ...] = ()
    # What the front end's controls show (buttons, menus), from the same snapshot.
    controls: Controls = Controls()

    @property
    def answered(self) -> bool:
        return self.outcome == Outcome.ANSWER and self.entry_id is not None

    @property
    def is_howto(self) -> bool:
        return bool(self.steps)
