"""Build Answers from knowledge entries: steps for the platform asked, the region's note.

A slash command with options and a matched free-text question both end here, so
`/optout mobile` and "how do I opt out on my phone" produce the same answer.
"""

from __future__ import annotations

from bot.answering.answer import Answer, StepGroup, Suggestion
from bot.knowledge.schema import Entry, KnowledgeBase

DEFAULT_DECLINE = "I'm not sure I can answer that one."
DEFAULT_CLARIFY = "Your question could mean either of these. Which did you mean?"


def _steps(kb: KnowledgeBase, entry: Entry, platform: str | None) -> tuple[StepGroup, ...]:
    if not entry.steps:
        return ()
    wanted = ("desktop", "mobile") if platform is None else (platform,)
    groups = []
    for ident in wanted:
        source = ident
        if ident not in entry.steps:
            source = kb.platforms[ident].falls_back_to or "mobile"
        groups.append(StepGroup(ident, kb.platforms[ident].name, entry.steps[source]))
    return tuple(groups)


def _region_note(kb: KnowledgeBase, entry: Entry, region: str | None) -> str | None:
    """The entry's own note for the region; the shared notes only for plain how-tos.

    The regions' notes and the region overview describe the AI-training setting, so an
    entry that brings its own region notes (a different setting, such as Microsoft ad
    sharing) shows only those and never the shared AI-training text.
    """
    if entry.regions:
        return entry.regions.get(region) if region else None
    if not entry.is_howto:
        return None
    return kb.regions[region].note if region else kb.message("region_overview")


def compose_entry(
    kb: KnowledgeBase,
    entry: Entry,
    *,
    question: str,
    platform: str | None = None,
    region: str | None = None,
    confidence: float = 1.0,
) -> Answer:
    """The answer for one entry, tailored to the platform and region (either may be None)."""
    if entry.kind == "decline":
        return decline(
            kb,
            question,
            [],
            confidence=confidence,
            message=entry.answer,
            title=entry.title,
            platform=platform,
            region=region,
        )
    note = _region_note(kb, entry, region)
    related = tuple(Suggestion(r, kb.entries[r].title) for r in entry.related if r in kb.entries)
    return Answer(
        question=question,
        outcome="answer",
        entry_id=entry.id,
        title=entry.title,
        body=entry.answer,
        platform=platform,
        region=region,
        region_name=kb.regions[region].name if region and note else None,
        region_note=note,
        steps=_steps(kb, entry, platform),
        link=entry.link,
        covers=entry.covers,
        does_not_cover=entry.does_not_cover,
        uncertain=entry.uncertain,
        caveat=kb.message("menu_labels_may_differ") or None if entry.is_howto else None,
        sources=tuple(kb.sources[s] for s in entry.sources if s in kb.sources),
        checked=entry.checked,
        confidence=confidence,
        suggestions=related,
        kb_version=kb.version,
    )


def decline(
    kb: KnowledgeBase,
    question: str,
    suggestions: list[Suggestion],
    *,
    confidence: float = 0.0,
    message: str | None = None,
    title: str = "I don't know that one",
    platform: str | None = None,
    region: str | None = None,
) -> Answer:
    """An honest "I don't know", with the nearest topics to try instead."""
    return Answer(
        question=question,
        outcome="decline",
        entry_id=None,
        title=title,
        body=message or kb.message("decline", DEFAULT_DECLINE),
        platform=platform,
        region=region,
        confidence=confidence,
        suggestions=tuple(suggestions),
        kb_version=kb.version,
    )


def clarify(
    kb: KnowledgeBase,
    question: str,
    choices: list[Suggestion],
    *,
    confidence: float,
    platform: str | None,
    region: str | None,
) -> Answer:
    """Two entries scored too close to call: ask instead of guessing."""
    return Answer(
        question=question,
        outcome="clarify",
        entry_id=None,
        title="Two topics fit your question",
        body=kb.message("clarify", DEFAULT_CLARIFY),
        platform=platform,
        region=region,
        confidence=confidence,
        choices=tuple(choices),
        suggestions=tuple(choices),
        kb_version=kb.version,
    )
