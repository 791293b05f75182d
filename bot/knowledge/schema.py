"""Immutable dataclasses for one snapshot of the knowledge base.

A snapshot is built once by the loader and never mutated, so a reload can swap a
whole new snapshot in while readers keep using the old one safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal

REGION_IDS: tuple[str, ...] = ("us", "eu", "uk", "ch", "ca", "hk", "other")
PLATFORM_IDS: tuple[str, ...] = ("desktop", "mobile", "ios", "android")
EntryKind = Literal["answer", "decline", "smalltalk"]


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    publisher: str
    date: str | None = None  # None when the source itself shows no date
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    name: str
    aliases: tuple[str, ...]
    note: str
    hints: tuple[str, ...] = ()
    broad: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Platform:
    id: str
    name: str
    aliases: tuple[str, ...]
    falls_back_to: str | None = None


@dataclass(frozen=True, slots=True)
class Premise:
    """A wrong belief: any `when` item whose words all appear triggers the `say` line."""

    when: tuple[str, ...]
    say: str
    lang: str = "en"


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    kind: EntryKind
    examples: tuple[str, ...]
    answer: str
    sources: tuple[str, ...]
    checked: date | None
    link: str | None = None
    steps: MappingProxyType[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    regions: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    covers: tuple[str, ...] = ()
    does_not_cover: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    uncertain: str | None = None
    includes: tuple[str, ...] = ()
    # Answers a vague question it nearly ties for, instead of "which one?" (see decide.py).
    overview: bool = False
    # Show the shared region notes although the entry has no steps ("does it apply to me?").
    shared_region_notes: bool = False
    premises: tuple[Premise, ...] = ()
    short_title: str | None = None
    # The language of each example, in the same order ("en" when empty or shorter): phrasings
    # kept in a language's own file are stemmed as that language.
    example_langs: tuple[str, ...] = ()
    file: str = ""
    line: int = 0

    @property
    def label(self) -> str:
        """The title as a button or menu label: short_title when the title is long."""
        return self.short_title or self.title

    def example_lang(self, i: int) -> str:
        """The language example `i` is written in."""
        return self.example_langs[i] if i < len(self.example_langs) else "en"

    @property
    def is_howto(self) -> bool:
        """Entries with steps describe an action, so they carry covers / does-not-cover."""
        return bool(self.steps)


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    sources: MappingProxyType[str, Source]
    regions: MappingProxyType[str, Region]
    platforms: MappingProxyType[str, Platform]
    entries: MappingProxyType[str, Entry]
    messages: MappingProxyType[str, str]
    # language -> Translation (bot.knowledge.translations); English is the entries themselves
    translations: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    # language -> Locale (bot.knowledge.locales): the bot's own buttons, notes and command help
    locales: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    root: str = ""
    version: str = ""

    def answer_entries(self) -> list[Entry]:
        return [e for e in self.entries.values() if e.kind == "answer"]

    def message(self, key: str, default: str = "") -> str:
        return self.messages.get(key, default)
