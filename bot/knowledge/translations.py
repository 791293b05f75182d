"""Translations of the knowledge into French, German, Dutch, Spanish and Italian.

One file per language (knowledge/translations/fr.yaml...), keyed by the same ids as the
English, so a translator edits one file and never touches the English. Each translated
entry stores a short hash of the English it was made from (`from:`): when the English
changes, `check` warns and the bot answers that entry in English until the translation
is refreshed, so a corrected fact is never contradicted by an old translation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from bot.knowledge import fields as F
from bot.knowledge.problems import Problem
from bot.knowledge.safe_yaml import YList, YMap
from bot.knowledge.schema import PLATFORM_IDS, REGION_IDS, Entry, Region

LANGUAGES: dict[str, str] = {
    "fr": "French",
    "de": "German",
    "nl": "Dutch",
    "es": "Spanish",
    "it": "Italian",
}
# Words of the bot's own layout (field names, buttons, notes) a translation may give.
UI_KEYS: tuple[str, ...] = (
    "where_you_are",
    "regions",
    "covers",
    "does_not_cover",
    "does_not_stop",
    "not_certain",
    "sources",
    "last_checked",
    "pick_one",
    "topics",
    "details",
    "details_title",
    "app_steps",
    "app_steps_hint",
    "web_steps",
    "direct_link",
    "open_setting",
    "in_english",
    "not_covered",
    "decline_title",
    "clarify_title",
    "too_long_title",
    "labels_may_differ",
)

TRANSLATION_FIELDS = {
    "language": F.Field("id", True),
    "ui": F.Field("notes"),
    "messages": F.Field("notes"),
    "platforms": F.Field("notes"),
    "regions": F.Field("any"),
    "entries": F.Field("any"),
}
ENTRY_TEXT_FIELDS = {
    "from": F.Field("str", True, 16),
    "title": F.Field("text", True, F.MAX_TITLE),
    "short_title": F.Field("text", False, 40),
    "answer": F.Field("text", True, F.MAX_ANSWER),
    "steps": F.Field("steps"),
    "regions": F.Field("notes"),
    "covers": F.Field("strlist", False, F.MAX_SCOPE_ITEM),
    "does_not_cover": F.Field("strlist", False, F.MAX_SCOPE_ITEM),
    "uncertain": F.Field("text", False, F.MAX_NOTE),
}
REGION_TEXT_FIELDS = {
    "from": F.Field("str", True, 16),
    "name": F.Field("text", True, 100),
    "note": F.Field("text", True, F.MAX_NOTE),
}


@dataclass(frozen=True, slots=True)
class EntryText:
    """An entry's words in one language; anything left out is shown in English."""

    title: str
    answer: str
    short_title: str | None = None
    steps: MappingProxyType[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    regions: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    covers: tuple[str, ...] = ()
    does_not_cover: tuple[str, ...] = ()
    uncertain: str | None = None


@dataclass(frozen=True, slots=True)
class Translation:
    language: str
    entries: MappingProxyType[str, EntryText]
    regions: MappingProxyType[str, tuple[str, str]]  # id -> (name, note)
    platforms: MappingProxyType[str, str]
    messages: MappingProxyType[str, str]
    ui: MappingProxyType[str, str]


def english_hash(entry: Entry) -> str:
    """Short fingerprint of the English a translation is made from."""
    text = {
        "title": entry.title,
        "answer": entry.answer,
        "steps": {k: list(v) for k, v in entry.steps.items()},
        "regions": dict(entry.regions),
        "covers": list(entry.covers),
        "does_not_cover": list(entry.does_not_cover),
        "uncertain": entry.uncertain,
    }
    return _digest(text)


def region_hash(region: Region) -> str:
    return _digest({"name": region.name, "note": region.note})


def _digest(value: Any) -> str:
    raw = json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()[:8]


def build_translations(
    items: list[tuple[YMap, str]],
    entries: dict[str, Entry],
    regions: dict[str, Region],
    messages: dict[str, str],
    problems: list[Problem],
) -> dict[str, Translation]:
    """Validate every translation file and keep the fresh parts of the valid ones."""
    found: dict[str, Translation] = {}
    for value, label in items:
        if not F.check_fields(value, TRANSLATION_FIELDS, "translation", label, problems):
            continue
        lang = value["language"]
        if lang not in LANGUAGES:
            problems.append(
                Problem(
                    label,
                    F.line_of(value, "language"),
                    f"language must be one of {', '.join(LANGUAGES)} (got {lang!r})",
                )
            )
            continue
        if lang in found:
            problems.append(Problem(label, value.line, f"a second {LANGUAGES[lang]} translation"))
            continue
        found[lang] = _translation(value, label, lang, entries, regions, messages, problems)
    return found


def _translation(
    value: YMap,
    label: str,
    lang: str,
    entries: dict[str, Entry],
    regions: dict[str, Region],
    messages: dict[str, str],
    problems: list[Problem],
) -> Translation:
    """One language's file: its entry and region texts, and only names the bot knows."""
    name = LANGUAGES[lang]

    def warn(line: int, message: str) -> None:
        problems.append(Problem(label, line, message, "warning"))

    texts = _entry_texts(value, label, name, entries, problems, warn)
    region_texts = _regions(value.get("regions"), label, name, regions, problems, warn)
    _check_known_names(value, label, messages, problems)
    return Translation(
        language=lang,
        entries=MappingProxyType(texts),
        regions=MappingProxyType(region_texts),
        platforms=MappingProxyType(_strings(value.get("platforms"))),
        messages=MappingProxyType(_strings(value.get("messages"))),
        ui=MappingProxyType(_strings(value.get("ui"))),
    )


def _entry_texts(
    value: YMap,
    label: str,
    name: str,
    entries: dict[str, Entry],
    problems: list[Problem],
    warn,
) -> dict[str, EntryText]:
    """The translated entries still up to date with their English; a warning for each
    answer left untranslated (it is shown in English)."""
    texts: dict[str, EntryText] = {}
    raw_entries = value.get("entries") or YMap()
    if not isinstance(raw_entries, YMap):
        problems.append(Problem(label, F.line_of(value, "entries"), "'entries' must be a mapping"))
        raw_entries = YMap()
    for ident, raw in raw_entries.items():
        entry = entries.get(ident)
        if entry is None:
            hint = F.did_you_mean(ident, list(entries))
            line = F.line_of(raw_entries, ident)
            problems.append(Problem(label, line, f"unknown entry '{ident}'{hint}"))
            continue
        what = f"{name} text of '{ident}'"
        if not F.check_fields(raw, ENTRY_TEXT_FIELDS, what, label, problems):
            continue
        if _stale(raw, english_hash(entry), what, warn):
            continue
        text = _entry_text(raw, entry, what, label, problems, warn)
        if text is not None:
            texts[ident] = text
    for entry in entries.values():
        if entry.kind == "answer" and entry.id not in raw_entries:
            warn(value.line, f"entry '{entry.id}' has no {name} translation")
    return texts


def _check_known_names(
    value: YMap, label: str, messages: dict[str, str], problems: list[Problem]
) -> None:
    """Messages, UI texts and platforms a translation names must exist in English."""
    for key in value.get("messages") or {}:
        if key not in messages and key not in F.MESSAGE_KEYS:
            line = F.line_of(value["messages"], key)
            problems.append(Problem(label, line, f"'{key}' is not a known message"))
    for key in value.get("ui") or {}:
        if key not in UI_KEYS:
            hint = F.did_you_mean(key, list(UI_KEYS))
            problems.append(
                Problem(label, F.line_of(value["ui"], key), f"'{key}' is not a UI text{hint}")
            )
    for key in value.get("platforms") or {}:
        if key not in PLATFORM_IDS:
            line = F.line_of(value["platforms"], key)
            problems.append(Problem(label, line, f"unknown platform '{key}'"))


def _entry_text(
    raw: YMap, entry: Entry, what: str, label: str, problems: list[Problem], warn
) -> EntryText | None:
    """One entry's translated text, or None when it names steps or regions that do not exist."""
    kept_steps = _translated_steps(raw, entry, what, label, problems, warn)
    if kept_steps is None:
        return None
    notes = raw.get("regions") or YMap()
    for key in notes:
        if key not in REGION_IDS:
            problems.append(Problem(label, F.line_of(notes, key), f"unknown region '{key}'"))
            return None
    return EntryText(
        title=raw["title"].strip(),
        answer=raw["answer"].strip(),
        short_title=(raw.get("short_title") or "").strip() or None,
        steps=MappingProxyType(kept_steps),
        regions=MappingProxyType({k: v.strip() for k, v in notes.items()}),
        covers=tuple(s.strip() for s in raw.get("covers") or ()),
        does_not_cover=tuple(s.strip() for s in raw.get("does_not_cover") or ()),
        uncertain=(raw.get("uncertain") or "").strip() or None,
    )


def _translated_steps(
    raw: YMap, entry: Entry, what: str, label: str, problems: list[Problem], warn
) -> dict[str, tuple[str, ...]] | None:
    """Steps per platform, kept only where they match the English step for step (a
    mismatch shows the English until fixed); None when the English has no such steps."""
    steps = raw.get("steps") or YMap()
    kept: dict[str, tuple[str, ...]] = {}
    for platform, items in steps.items():
        english = entry.steps.get(platform)
        if english is None:
            line = F.line_of(steps, platform)
            problems.append(Problem(label, line, f"{what}: the English has no {platform} steps"))
            return None
        if len(items) != len(english):
            warn(
                F.line_of(steps, platform),
                f"{what}: {len(items)} {platform} steps, the English has {len(english)}; "
                "the English steps are shown until they match",
            )
            continue
        kept[platform] = tuple(s.strip() for s in items)
    return kept


def _regions(
    raw: Any, label: str, name: str, regions: dict[str, Region], problems: list[Problem], warn
) -> dict[str, tuple[str, str]]:
    if raw is None:
        return {}
    if not isinstance(raw, YMap):
        problems.append(Problem(label, getattr(raw, "line", 0), "'regions' must be a mapping"))
        return {}
    out = {}
    for ident, text in raw.items():
        line = F.line_of(raw, ident)
        region = regions.get(ident)
        if region is None:
            problems.append(Problem(label, line, f"unknown region '{ident}'"))
            continue
        what = f"{name} text of region '{ident}'"
        if not F.check_fields(text, REGION_TEXT_FIELDS, what, label, problems):
            continue
        if _stale(text, region_hash(region), what, warn):
            continue
        out[ident] = (text["name"].strip(), text["note"].strip())
    return out


def _stale(raw: YMap, current: str, what: str, warn) -> bool:
    """Warn (with both hashes) when the English changed after the translation was made."""
    if str(raw["from"]) == current:
        return False
    warn(
        F.line_of(raw, "from"),
        f"{what}: the English changed since it was translated (from: {raw['from']}, "
        f"English now {current}); it is shown in English until updated",
    )
    return True


def _strings(raw: Any) -> dict[str, str]:
    if not isinstance(raw, YMap):
        return {}
    return {k: v.strip() for k, v in raw.items() if isinstance(v, str) and v.strip()}


__all__ = [
    "LANGUAGES",
    "UI_KEYS",
    "EntryText",
    "Translation",
    "YList",
    "build_translations",
    "english_hash",
    "region_hash",
]
