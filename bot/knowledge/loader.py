"""Load every YAML file under a knowledge folder and validate it as a whole.

All problems are collected in one pass (with file and line) so a moderator fixes
everything at once; a snapshot is returned only when there are no errors.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.answering.languages import ANSWER_LANGUAGES
from bot.answering.languages import LANGUAGES as READ_LANGUAGES
from bot.answering.normalise import clean_phrasing
from bot.knowledge import copy_hosts
from bot.knowledge import fields as F
from bot.knowledge.entry_rules import EntryDraft, entry_problems
from bot.knowledge.lent_names import lent_names
from bot.knowledge.locales import build_locales
from bot.knowledge.problems import Problem
from bot.knowledge.safe_yaml import YList, YMap, parse_yaml, read_text
from bot.knowledge.schema import (
    PLATFORM_IDS,
    REGION_IDS,
    Entry,
    KnowledgeBase,
    Platform,
    Premise,
    Region,
    Source,
)
from bot.knowledge.translations import build_translations

SECTIONS = (
    "sources",
    "regions",
    "platforms",
    "messages",
    "entries",
    "phrasings",
    "premises",
    "translation",
    "locale",
    "copy_hosts",
)
OPTOUT_ENTRY = "turn-off"
MAX_FILES = 500
DEFAULT_STALE_DAYS = 180
# A check a higher layer adds to a load (see ``load_knowledge(checks=...)``).
KnowledgeCheck = Callable[[KnowledgeBase], Iterable[Problem]]


@dataclass(frozen=True, slots=True)
class LoadResult:
    kb: KnowledgeBase | None
    problems: tuple[Problem, ...] = ()
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return self.kb is not None


def default_knowledge_dir() -> Path:
    """The knowledge shipped with the package (wheel) or the repository's own copy."""
    here = Path(__file__).resolve().parent.parent
    bundled = here / "_knowledge"
    if bundled.is_dir():
        return bundled
    return here.parent / "knowledge"


@dataclass
class _Item:
    value: YMap
    label: str


@dataclass
class _Collected:
    items: dict[str, list[_Item]] = field(default_factory=lambda: {s: [] for s in SECTIONS})
    messages: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    copy_hosts: list[str] = field(default_factory=list)
    digest: Any = field(default_factory=hashlib.sha256)
    files: int = 0


def load_knowledge(
    root: str | os.PathLike[str] | None = None,
    *,
    today: date | None = None,
    stale_days: int = DEFAULT_STALE_DAYS,
    replacing: Mapping[str, str] | None = None,
    checks: Sequence[KnowledgeCheck] = (),
) -> LoadResult:
    """Load and validate the knowledge folder; never raises for bad content.

    ``replacing`` maps a file's label to the text to use instead of what is on disk, so an
    edit (``/kb-admin teach``) is validated with the whole folder before it is saved.
    ``checks`` run on a snapshot that passed every rule here; their problems count like the
    loader's own. They let a higher layer add what needs more than the knowledge (the
    maintenance service adds the render-budget check) without the loader importing it.
    """
    base = Path(root) if root is not None else default_knowledge_dir()
    if not base.is_dir():
        return LoadResult(
            None, (Problem(str(base), 0, "knowledge folder not found or not a folder"),)
        )
    problems: list[Problem] = []
    collected = _read_folder(base, replacing or {}, problems)
    kb = _build(collected, base, problems, today or date.today(), stale_days)
    if kb is not None:
        for check in checks:
            problems += check(kb)
    errors = [p for p in problems if p.severity == "error"]
    return LoadResult(None if errors else kb, tuple(problems), collected.files)


def _read_folder(base: Path, replacing: Mapping[str, str], problems: list[Problem]) -> _Collected:
    """Read and parse every knowledge file, sorting its sections into one collection."""
    collected = _Collected()
    for path in _yaml_files(base, problems):
        label = _label(base, path)
        data = _read_file(base, path, label, replacing, collected, problems)
        if data is not None:
            collected.files += 1
            _collect_file(data, label, collected, problems)
    if collected.files == 0 and not problems:
        problems.append(Problem(str(base), 0, "no .yaml files found"))
    return collected


def _read_file(
    base: Path,
    path: Path,
    label: str,
    replacing: Mapping[str, str],
    collected: _Collected,
    problems: list[Problem],
) -> Any:
    """One file's parsed YAML (or None), its text counted in the snapshot's version."""
    if label in replacing:
        text = replacing[label]
    else:
        text, read_problems = read_text(path, label, root=base)
        problems += read_problems
    if text is None:
        return None
    collected.digest.update(label.encode() + b"\0" + text.encode())
    data, parse_problems = parse_yaml(text, label)
    problems += parse_problems
    return data


def _yaml_files(base: Path, problems: list[Problem]) -> Iterator[Path]:
    found = list(
        knowledge_files(
            base,
            onerror=lambda e: problems.append(
                Problem(str(e.filename), 0, f"cannot list folder: {e.strerror}")
            ),
        )
    )
    if len(found) > MAX_FILES:
        problems.append(Problem(str(base), 0, f"{len(found)} files; at most {MAX_FILES} are read"))
        found = found[:MAX_FILES]
    return iter(found)


def is_knowledge_name(name: str) -> bool:
    """A file the loader reads: YAML, not hidden (editors' and git's files start with '.')."""
    return name.endswith((".yaml", ".yml")) and not name.startswith(".")


def is_knowledge_folder(name: str) -> bool:
    """A folder the loader enters: not hidden, not private ('_drafts', '.backups')."""
    return not name.startswith((".", "_"))


def knowledge_files(base: Path, onerror=None) -> Iterator[Path]:
    """Every file the loader reads under ``base``, in a stable order. The one place that says
    which files count, for the loader, the live-reload watcher and teach alike."""
    for dirpath, dirnames, filenames in os.walk(base, onerror=onerror):
        dirnames[:] = sorted(d for d in dirnames if is_knowledge_folder(d))
        for name in sorted(filenames):
            if is_knowledge_name(name):
                yield Path(dirpath) / name


def _label(base: Path, path: Path) -> str:
    try:
        return str(Path(base.name) / path.relative_to(base))
    except ValueError:
        return str(path)


def _collect_file(data: Any, label: str, c: _Collected, problems: list[Problem]) -> None:
    if not isinstance(data, YMap):
        problems.append(
            Problem(
                label,
                getattr(data, "line", 1),
                f"a knowledge file must be a mapping with any of these keys: {', '.join(SECTIONS)}",
            )
        )
        return
    for key, value in data.items():
        line = F.line_of(data, key)
        if key not in SECTIONS:
            hint = F.did_you_mean(key, list(SECTIONS))
            problems.append(
                Problem(label, line, f"'{key}' is not a section a knowledge file can have{hint}")
            )
            continue
        if key == "messages":
            _collect_messages(value, label, line, c, problems)
            continue
        if key == "copy_hosts":
            c.copy_hosts += copy_hosts.collect(value, label, line, problems)
            continue
        if key in ("translation", "locale"):
            c.items[key].append(_Item(value, label))
            continue
        if key == "phrasings":
            if not isinstance(value, YMap):
                problems.append(
                    Problem(label, line, "'phrasings' must be a mapping of entry id: list")
                )
            else:
                c.items[key].append(_Item(value, label))
            continue
        if not isinstance(value, YList):
            problems.append(
                Problem(label, line, f"'{key}' must be a list (each item starts with '- ')")
            )
            continue
        for item in value:
            c.items[key].append(_Item(item, label))


def _collect_messages(
    value: Any, label: str, line: int, c: _Collected, problems: list[Problem]
) -> None:
    if not isinstance(value, YMap):
        problems.append(Problem(label, line, "'messages' must be a mapping of name: text"))
        return
    for key, text in value.items():
        key_line = F.line_of(value, key)
        if key not in F.MESSAGE_KEYS:
            hint = F.did_you_mean(key, list(F.MESSAGE_KEYS))
            problems.append(Problem(label, key_line, f"'{key}' is not a known message{hint}"))
        elif not isinstance(text, str) or not text.strip():
            problems.append(Problem(label, key_line, f"message '{key}' must be non-empty text"))
        elif len(text) > F.MAX_MESSAGE:
            problems.append(
                Problem(label, key_line, f"message '{key}' is over {F.MAX_MESSAGE} characters")
            )
        elif key in c.messages:
            first = c.messages[key]
            problems.append(
                Problem(label, key_line, f"message '{key}' is already set at {first[1]}:{first[2]}")
            )
        else:
            c.messages[key] = (text.strip(), label, key_line)


def _unique(items: list[_Item], what: str, problems: list[Problem]) -> dict[str, _Item]:
    seen: dict[str, _Item] = {}
    for item in items:
        ident = item.value.get("id")
        if not isinstance(ident, str):
            continue
        if ident in seen:
            first = seen[ident]
            problems.append(
                Problem(
                    item.label,
                    item.value.line,
                    f"duplicate {what} id '{ident}' "
                    f"(first defined at {first.label}:{first.value.line})",
                )
            )
            continue
        seen[ident] = item
    return seen


SECTION_FIELDS = {
    "sources": F.SOURCE_FIELDS,
    "regions": F.REGION_FIELDS,
    "platforms": F.PLATFORM_FIELDS,
    "entries": F.ENTRY_FIELDS,
}
SINGULAR = {"sources": "source", "regions": "region", "platforms": "platform", "entries": "entry"}


def _build(
    c: _Collected, base: Path, problems: list[Problem], today: date, stale_days: int
) -> KnowledgeBase | None:
    """The steps from collected items to a snapshot; None when any step found an error."""
    valid = _valid_items(c, problems)
    sources = {
        k: _source(v.value) for k, v in _unique(valid["sources"], "source", problems).items()
    }
    regions = _known_unique(valid["regions"], "region", REGION_IDS, _region, problems)
    platforms = _known_unique(valid["platforms"], "platform", PLATFORM_IDS, _platform, problems)
    entries_items = _unique(valid["entries"], "entry", problems)
    _check_required_sets(base, regions, platforms, c, problems)
    _check_aliases(valid["regions"] + valid["platforms"], problems)
    entries = _entries(entries_items, sources, problems, today, stale_days)
    seen = _check_examples(entries_items, problems)
    entries = _add_phrasings(c.items["phrasings"], entries, entries_items, seen, problems)
    problems += lent_names(seen, {ident: entry.kind for ident, entry in entries.items()})
    entries = _add_premises(c.items["premises"], entries, entries_items, problems)
    messages = {k: v[0] for k, v in c.messages.items()}
    translations = build_translations(
        [(i.value, i.label) for i in c.items["translation"]], entries, regions, messages, problems
    )
    locales = build_locales([(i.value, i.label) for i in c.items["locale"]], problems)
    _check_entries_present(base, entries, entries_items, problems)
    _check_source_links(sources, valid["sources"], c.copy_hosts, problems)
    if any(p.severity == "error" for p in problems):
        return None
    return KnowledgeBase(
        sources=MappingProxyType(sources),
        regions=MappingProxyType({r: regions[r] for r in REGION_IDS}),
        platforms=MappingProxyType({p: platforms[p] for p in PLATFORM_IDS}),
        entries=MappingProxyType(entries),
        messages=MappingProxyType(messages),
        translations=MappingProxyType(translations),
        locales=MappingProxyType(locales),
        root=str(base),
        version=c.digest.hexdigest()[:12],
    )


def _valid_items(c: _Collected, problems: list[Problem]) -> dict[str, list[_Item]]:
    """Each section's items whose keys pass their field rules (fields.py)."""
    return {
        section: [
            i
            for i in c.items[section]
            if F.check_fields(
                i.value, rules, _describe(SINGULAR[section], i.value), i.label, problems
            )
        ]
        for section, rules in SECTION_FIELDS.items()
    }


def _known_unique(
    items: list[_Item],
    what: str,
    allowed: tuple[str, ...],
    make: Callable[[YMap], Any],
    problems: list[Problem],
) -> dict[str, Any]:
    """Regions and platforms: one definition per id, and only the ids the engine knows."""
    return {
        k: make(v.value)
        for k, v in _unique(items, what, problems).items()
        if _known(v, allowed, what, problems)
    }


def _entries(
    items: dict[str, _Item],
    sources: dict[str, Source],
    problems: list[Problem],
    today: date,
    stale_days: int,
) -> dict[str, Entry]:
    """Every entry that follows the entry rules, with a warning for each stale one."""
    entries: dict[str, Entry] = {}
    for ident, item in items.items():
        entry = _entry(item, sources, items, problems)
        if entry is not None:
            entries[ident] = entry
            _check_stale(entry, today, stale_days, problems)
    return entries


def _check_entries_present(
    base: Path, entries: dict[str, Entry], entries_items: dict[str, _Item], problems: list[Problem]
) -> None:
    """A folder needs entries, and the one /optout answers from."""
    if not any(e.kind == "answer" for e in entries.values()) and not entries_items:
        problems.append(Problem(str(base), 0, "no entries defined"))
    elif OPTOUT_ENTRY not in entries_items:
        problems.append(
            Problem(
                str(base),
                0,
                f"an entry with id '{OPTOUT_ENTRY}' is required "
                "(the /optout command answers from it)",
            )
        )


def _check_source_links(
    sources: dict[str, Source], items: list[_Item], hosts: list[str], problems: list[Problem]
) -> None:
    """Warn about a source without a link, or one that links to a copy site."""
    for source_id, source in sources.items():
        item = next(i for i in items if i.value.get("id") == source_id)
        if source.url is None:
            problems.append(
                Problem(item.label, item.value.line, f"source '{source_id}' has no url", "warning")
            )
            continue
        host = copy_hosts.matching(source.url, hosts)
        if host:
            problems.append(
                Problem(
                    item.label,
                    F.line_of(item.value, "url"),
                    f"source '{source_id}' links to the copy site '{host}' "
                    "(see copy_hosts); link the original publisher's page",
                    "warning",
                )
            )


def _describe(what: str, value: Any) -> str:
    ident = value.get("id") if isinstance(value, YMap) else None
    return f"{what} '{ident}'" if isinstance(ident, str) else what


def _known(item: _Item, allowed: tuple[str, ...], what: str, problems: list[Problem]) -> bool:
    ident = item.value["id"]
    if ident in allowed:
        return True
    problems.append(
        Problem(
            item.label,
            F.line_of(item.value, "id"),
            f"unknown {what} id '{ident}'; {what}s are: {', '.join(allowed)}"
            f"{F.did_you_mean(ident, list(allowed))}",
        )
    )
    return False


def _check_required_sets(
    base: Path, regions: dict, platforms: dict, c: _Collected, problems: list[Problem]
) -> None:
    for what, have, want in (
        ("region", regions, REGION_IDS),
        ("platform", platforms, PLATFORM_IDS),
    ):
        missing = [w for w in want if w not in have]
        if missing:
            problems.append(
                Problem(str(base), 0, f"missing {what} definitions: {', '.join(missing)}")
            )
    for key, required in F.MESSAGE_KEYS.items():
        if required and key not in c.messages:
            problems.append(
                Problem(str(base), 0, f"message '{key}' is required (under 'messages:')")
            )
    for ident, platform in platforms.items():
        if platform.falls_back_to and platform.falls_back_to not in PLATFORM_IDS:
            problems.append(
                Problem(
                    str(base),
                    0,
                    f"platform '{ident}' falls back to unknown platform '{platform.falls_back_to}'",
                )
            )


def _check_aliases(items: list[_Item], problems: list[Problem]) -> None:
    seen: dict[str, tuple[str, str, int]] = {}
    for item in items:
        names = [
            (alias, line)
            for key in ("aliases", "broad", "hints")
            if (values := item.value.get(key))
            for alias, line in zip(values, values.item_lines, strict=True)
        ]
        for alias, line in names:
            key = _fold(alias) if not _case_sensitive(alias) else alias
            owner = item.value["id"]
            if key in seen and seen[key][0] != owner:
                other = seen[key]
                problems.append(
                    Problem(
                        item.label,
                        line,
                        f"alias '{alias}' is also used by '{other[0]}' at {other[1]}:{other[2]}",
                    )
                )
            seen.setdefault(key, (owner, item.label, line))


def _case_sensitive(alias: str) -> bool:
    return alias.isupper() and len(alias.replace(".", "")) <= 3


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _entry(
    item: _Item,
    sources: dict,
    all_entries: dict[str, _Item],
    problems: list[Problem],
) -> Entry | None:
    """The entry, if it breaks none of the entry rules (entry_rules.py); else None."""
    found = entry_problems(EntryDraft(item.value, sources, all_entries), item.label)
    problems += found
    if any(p.severity == "error" for p in found):
        return None
    return _make_entry(item)


def _make_entry(item: _Item) -> Entry:
    v = item.value
    steps, notes = v.get("steps", YMap()), v.get("regions", YMap())
    return Entry(
        id=v["id"],
        title=v["title"].strip(),
        kind=v.get("kind", "answer"),
        examples=tuple(e.strip() for e in v.get("examples", YList())),
        answer=v["answer"].strip(),
        sources=tuple(v.get("sources", YList())),
        checked=_as_date(v.get("checked")),
        link=v.get("link"),
        steps=MappingProxyType(
            {k: tuple(s.strip() for s in steps[k]) for k in PLATFORM_IDS if k in steps}
        ),
        regions=MappingProxyType({k: notes[k].strip() for k in REGION_IDS if k in notes}),
        covers=tuple(s.strip() for s in v.get("covers", ())),
        does_not_cover=tuple(s.strip() for s in v.get("does_not_cover", ())),
        related=tuple(v.get("related", YList())),
        uncertain=(v.get("uncertain") or "").strip() or None,
        includes=tuple(v.get("includes", YList())),
        shared_region_notes=bool(v.get("shared_region_notes", False)),
        overview=bool(v.get("overview", False)),
        short_title=(v.get("short_title") or "").strip() or None,
        file=item.label,
        line=v.line,
    )


def example_key(text: str) -> str:
    """When two phrasings count as the same: when the matcher sees the same words.

    The matcher's own normalisation (NFKC, case, accents, filler characters, punctuation,
    repeated letters), so an accented or full-width copy of a phrasing is caught here
    instead of quietly taking questions away from the entry that had it first.
    """
    return clean_phrasing(text)


def _check_examples(
    entries: dict[str, _Item], problems: list[Problem]
) -> dict[str, tuple[str, str, int]]:
    seen: dict[str, tuple[str, str, int]] = {}
    for ident, item in entries.items():
        examples = item.value.get("examples")
        if not isinstance(examples, YList):
            continue
        for text, line in zip(examples, examples.item_lines, strict=True):
            if not isinstance(text, str):
                continue
            _note_phrasing(text, ident, item.label, line, seen, problems)
    return seen


def _note_phrasing(
    text: str,
    ident: str,
    label: str,
    line: int,
    seen: dict[str, tuple[str, str, int]],
    problems: list[Problem],
) -> bool:
    """Remember a phrasing, or report the one the matcher would take it for; True if new."""
    key = example_key(text)
    if key in seen:
        other = seen[key]
        where = "this entry" if other[0] == ident else f"entry '{other[0]}'"
        problems.append(
            Problem(
                label,
                line,
                f"example phrasing {text!r} is already used by {where} at {other[1]}:{other[2]}",
            )
        )
        return False
    seen[key] = (ident, label, line)
    return True


def _add_phrasings(
    items: list[_Item],
    entries: dict[str, Entry],
    entries_items: dict[str, _Item],
    seen: dict[str, tuple[str, str, int]],
    problems: list[Problem],
) -> dict[str, Entry]:
    """Phrasings kept in their own files (one per language) join their entry's examples."""
    extra: dict[str, list[tuple[str, str]]] = {}
    rule = F.Field("strlist", True, F.MAX_EXAMPLE)
    for item in items:
        lang = Path(item.label).stem
        if lang not in READ_LANGUAGES:
            problems.append(
                Problem(
                    item.label,
                    1,
                    f"'{lang}' is not a language code ({', '.join(READ_LANGUAGES)}): "
                    "these phrasings are matched as English; name the file after its language",
                    severity="warning",
                )
            )
        lang = lang if lang in READ_LANGUAGES else "en"
        for ident, texts in item.value.items():
            line = F.line_of(item.value, ident)
            if ident not in entries_items:
                hint = F.did_you_mean(ident, list(entries_items))
                problems.append(Problem(item.label, line, f"unknown entry '{ident}'{hint}"))
                continue
            name = f"phrasings of '{ident}'"
            if not F.check_list(texts, rule, name, line, item.label, problems):
                continue
            for text, text_line in zip(texts, texts.item_lines, strict=True):
                if _note_phrasing(text, ident, item.label, text_line, seen, problems):
                    extra.setdefault(ident, []).append((text.strip(), lang))
    return {ident: _with_phrasings(entry, extra.get(ident, [])) for ident, entry in entries.items()}


def _with_phrasings(entry: Entry, added: list[tuple[str, str]]) -> Entry:
    if not added:
        return entry
    own = tuple(entry.example_lang(i) for i in range(len(entry.examples)))
    return replace(
        entry,
        examples=entry.examples + tuple(text for text, _ in added),
        example_langs=own + tuple(lang for _, lang in added),
    )


def _add_premises(
    items: list[_Item],
    entries: dict[str, Entry],
    entries_items: dict[str, _Item],
    problems: list[Problem],
) -> dict[str, Entry]:
    """Wrong beliefs join the entry that corrects them."""
    found: dict[str, list[Premise]] = {}
    for item in items:
        if not F.check_fields(item.value, F.PREMISE_FIELDS, "premise", item.label, problems):
            continue
        ident = item.value["entry"]
        if ident not in entries_items:
            hint = F.did_you_mean(ident, list(entries_items))
            line = F.line_of(item.value, "entry")
            problems.append(Problem(item.label, line, f"unknown entry '{ident}'{hint}"))
            continue
        lang = item.value.get("lang", "en")
        if lang not in ANSWER_LANGUAGES:
            line = F.line_of(item.value, "lang")
            known = ", ".join(ANSWER_LANGUAGES)
            problems.append(
                Problem(item.label, line, f"unknown language '{lang}' (one of {known})")
            )
            continue
        when = tuple(w.strip() for w in item.value["when"])
        found.setdefault(ident, []).append(Premise(when, item.value["say"].strip(), lang))
    return {
        ident: replace(entry, premises=tuple(found.get(ident, ())))
        for ident, entry in entries.items()
    }


def _check_stale(entry: Entry, today: date, stale_days: int, problems: list[Problem]) -> None:
    if entry.checked and today - entry.checked > timedelta(days=stale_days):
        age = (today - entry.checked).days
        problems.append(
            Problem(
                entry.file,
                entry.line,
                f"entry '{entry.id}' was last checked {age} days "
                f"ago ({entry.checked}); re-check it against its sources",
                "warning",
            )
        )


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _source(v: YMap) -> Source:
    raw = v.get("date")
    return Source(
        v["id"],
        v["title"].strip(),
        v["publisher"].strip(),
        raw.isoformat() if isinstance(raw, date) else (str(raw) if raw is not None else None),
        v.get("url"),
    )


def _region(v: YMap) -> Region:
    return Region(
        v["id"],
        v["name"].strip(),
        tuple(a.strip() for a in v["aliases"]),
        v["note"].strip(),
        tuple(h.strip() for h in v.get("hints") or ()),
        tuple(b.strip() for b in v.get("broad") or ()),
    )


def _platform(v: YMap) -> Platform:
    return Platform(
        v["id"], v["name"].strip(), tuple(a.strip() for a in v["aliases"]), v.get("falls_back_to")
    )
