"""The rules an entry must follow beyond its field types, one small function each.

``fields.py`` checks each key's type and length; these rules check what needs the whole
entry or the rest of the folder (known ids, steps for both platforms, enough phrasings).
They run in the order listed in ``ENTRY_RULES``, so a moderator reads the problems of one
entry top to bottom, and ``entry_problems`` turns their findings into file:line problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.knowledge import fields as F
from bot.knowledge.problems import Problem
from bot.knowledge.safe_yaml import YList, YMap
from bot.knowledge.schema import PLATFORM_IDS, REGION_IDS

KINDS = ("answer", "decline", "smalltalk")
MIN_EXAMPLES = 3
RECOMMENDED_EXAMPLES = 8


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """One entry's YAML with what its rules look up: the folder's source and entry ids."""

    value: YMap
    sources: Mapping[str, Any]
    entries: Mapping[str, Any]

    @property
    def ident(self) -> str:
        return self.value["id"]

    @property
    def kind(self) -> Any:
        return self.value.get("kind", "answer")

    def listed(self, key: str) -> Iterator[tuple[Any, int]]:
        """Each item of a list key with its line (none when the key is absent)."""
        items = self.value.get(key, YList())
        return zip(items, getattr(items, "item_lines", []), strict=False)


class Finding(NamedTuple):
    """What a rule found: the key it is about, and the line when it is not the key's own."""

    key: str
    message: str
    line: int | None = None
    severity: str = "error"


Rule = Callable[[EntryDraft], Iterator[Finding]]


def long_title_needs_short_title(e: EntryDraft) -> Iterator[Finding]:
    """Buttons and menus show the title; on a phone a long one is cut mid-word."""
    title = e.value.get("title")
    too_long = isinstance(title, str) and len(title.strip()) > F.MAX_SHORT_TITLE
    if too_long and not e.value.get("short_title"):
        yield Finding(
            "title",
            f"title is longer than {F.MAX_SHORT_TITLE} characters: add a 'short_title' "
            f"(at most {F.MAX_SHORT_TITLE}) for buttons and menus on phones",
        )


def known_kind(e: EntryDraft) -> Iterator[Finding]:
    """The engine treats each kind differently; a typo would silently become none of them."""
    if e.kind not in KINDS:
        yield Finding("kind", f"kind must be 'answer', 'decline' or 'smalltalk' (got {e.kind!r})")


def answer_has_a_source(e: EntryDraft) -> Iterator[Finding]:
    """Every answer cites where its facts come from, so readers can check them."""
    if e.kind == "answer" and not e.value.get("sources", YList()):
        yield Finding("sources", "needs at least one source id under 'sources'", e.value.line)


def sources_are_known(e: EntryDraft) -> Iterator[Finding]:
    """A cited source must be defined, or the answer's source list would have a hole."""
    for ref, line in e.listed("sources"):
        if ref not in e.sources:
            hint = F.did_you_mean(ref, list(e.sources))
            yield Finding("sources", f"unknown source '{ref}'{hint}", line)


def _other_entries(e: EntryDraft, key: str, what: str) -> Iterator[Finding]:
    for ref, line in e.listed(key):
        if ref not in e.entries or ref == e.ident:
            hint = F.did_you_mean(ref, list(e.entries))
            yield Finding(key, f"unknown {what} entry '{ref}'{hint}", line)


def related_are_other_entries(e: EntryDraft) -> Iterator[Finding]:
    """'Related' buttons must lead somewhere else that exists."""
    return _other_entries(e, "related", "related")


def includes_are_other_entries(e: EntryDraft) -> Iterator[Finding]:
    """'includes' stops the engine asking "which one?"; it must name another real entry."""
    return _other_entries(e, "includes", "included")


def overview_is_an_answer(e: EntryDraft) -> Iterator[Finding]:
    """Only an answer can stand in for "which one?"; an off-topic entry never answers."""
    if e.value.get("overview") and e.kind != "answer":
        yield Finding("overview", "only an answer entry can be the overview")


def _known_keys(e: EntryDraft, key: str, allowed: tuple[str, ...], what: str) -> Iterator[Finding]:
    notes = e.value.get(key, YMap())
    for name in notes:
        if name not in allowed:
            hint = F.did_you_mean(name, list(allowed))
            yield Finding(key, f"unknown {what} '{name}'{hint}", F.line_of(notes, name))


def region_notes_are_for_known_regions(e: EntryDraft) -> Iterator[Finding]:
    """A note under an unknown region would never be shown to anyone."""
    return _known_keys(e, "regions", REGION_IDS, "region")


def steps_are_for_known_platforms(e: EntryDraft) -> Iterator[Finding]:
    """Steps under an unknown platform would never be shown to anyone."""
    return _known_keys(e, "steps", PLATFORM_IDS, "platform")


def steps_cover_desktop_and_mobile(e: EntryDraft) -> Iterator[Finding]:
    """Every reader needs steps: the other platforms fall back to desktop or mobile."""
    steps = e.value.get("steps", YMap())
    if steps and not ("desktop" in steps and "mobile" in steps):
        yield Finding("steps", "steps need both 'desktop' and 'mobile' (ios/android are optional)")


def steps_say_what_they_cover(e: EntryDraft) -> Iterator[Finding]:
    """Steps that change a setting must say what that does and does not stop."""
    steps = e.value.get("steps", YMap())
    if steps and (not e.value.get("covers") or not e.value.get("does_not_cover")):
        yield Finding(
            "steps",
            "an entry with steps must say what it covers ('covers') and what it does "
            "not ('does_not_cover')",
        )


def scope_lists_are_short(e: EntryDraft) -> Iterator[Finding]:
    """'covers' and 'does_not_cover' are read on a phone: a few lines, not a page."""
    for key in ("covers", "does_not_cover"):
        if len(e.value.get(key, ())) > F.MAX_SCOPE_ITEMS:
            yield Finding(key, f"'{key}' has more than {F.MAX_SCOPE_ITEMS} items")


def enough_examples(e: EntryDraft) -> Iterator[Finding]:
    """The matcher learns an entry from its phrasings: too few and it is rarely found."""
    examples = e.value.get("examples", YList())
    if len(examples) < MIN_EXAMPLES:
        yield Finding(
            "examples", f"needs at least {MIN_EXAMPLES} example phrasings (has {len(examples)})"
        )
    elif len(examples) < RECOMMENDED_EXAMPLES and e.kind == "answer":
        yield Finding(
            "examples",
            f"only {len(examples)} example phrasings; {RECOMMENDED_EXAMPLES}+ match better",
            severity="warning",
        )


ENTRY_RULES: tuple[Rule, ...] = (
    long_title_needs_short_title,
    known_kind,
    answer_has_a_source,
    sources_are_known,
    related_are_other_entries,
    includes_are_other_entries,
    overview_is_an_answer,
    region_notes_are_for_known_regions,
    steps_are_for_known_platforms,
    steps_cover_desktop_and_mobile,
    steps_say_what_they_cover,
    scope_lists_are_short,
    enough_examples,
)


def entry_problems(draft: EntryDraft, label: str) -> list[Problem]:
    """Every rule's findings for one entry, as problems at the line they are about."""
    return [
        Problem(
            label,
            finding.line or F.line_of(draft.value, finding.key),
            f"entry '{draft.ident}': {finding.message}",
            finding.severity,
        )
        for rule in ENTRY_RULES
        for finding in rule(draft)
    ]
