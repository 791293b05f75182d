"""The answering engine: one entry point for every front end, swappable on reload.

The engine holds a single (knowledge, index) snapshot. A question reads that
reference once, so a reload that swaps in a new snapshot mid-question can never mix
the old knowledge with the new.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.answering.answer import Answer, Suggestion
from bot.answering.compose import clarify, compose_entry, decline
from bot.answering.matcher import Index, Ranked, Thresholds, clamp_limit
from bot.answering.normalise import clean, has_letters
from bot.knowledge.schema import PLATFORM_IDS, REGION_IDS, KnowledgeBase

SUGGESTION_COUNT = 3
AUTOCOMPLETE_LIMIT = 25


@dataclass(frozen=True, slots=True)
class _Snapshot:
    kb: KnowledgeBase
    index: Index


class Engine:
    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds | None = None) -> None:
        self._snapshot = _Snapshot(kb, Index(kb))
        self.thresholds = thresholds or Thresholds()

    @property
    def kb(self) -> KnowledgeBase:
        return self._snapshot.kb

    @property
    def index(self) -> Index:
        return self._snapshot.index

    def swap(self, kb: KnowledgeBase) -> None:
        """Replace the knowledge in one assignment; the index is built before the swap."""
        self._snapshot = _Snapshot(kb, Index(kb))

    def answer(
        self,
        question: str,
        *,
        platform: str | None = None,
        region: str | None = None,
        strict: bool = False,
        default_region: str | None = None,
    ) -> Answer:
        """Answer free text. `strict` is for unprompted channel answers: answer only when sure.

        `region` overrides what the question says; `default_region` (a server's setting) is
        used only when the question names no region.
        """
        snap = self._snapshot
        kb, index, t = snap.kb, snap.index, self.thresholds
        platform = platform if platform in PLATFORM_IDS else None
        region = _valid_region(region)
        if not has_letters(question):
            return decline(kb, question, self._fallback(snap, ""), platform=platform, region=region)
        words = clean(question).split()
        if len(words) > t.max_words:
            # A pasted wall of text: decline, suggesting topics from its opening words only.
            head = index.analyse(" ".join(words[: t.max_words // 3]))
            suggestions = self._suggest(snap, index.rank(head), question)
            return decline(
                kb,
                question,
                suggestions,
                message=kb.message("too_long") or None,
                title="That's a long message",
                platform=platform,
                region=region,
            )
        query = index.analyse(question)
        platform = platform or query.slots.platform
        region = region or query.slots.region or _valid_region(default_region)
        ranked = index.rank(query)
        suggestions = self._suggest(snap, ranked, question)
        if not ranked:
            return decline(kb, question, suggestions, platform=platform, region=region)
        best = ranked[0]
        second = ranked[1] if len(ranked) > 1 else Ranked("", 0.0)
        best_entry = kb.entries[best.entry_id]
        confidence = round(min(1.0, best.score / 100), 3)
        close = best.score - second.score < (t.strict_margin if strict else t.margin)

        def declined() -> Answer:
            return decline(
                kb, question, suggestions, confidence=confidence, platform=platform, region=region
            )

        def answered() -> Answer:
            return compose_entry(
                kb,
                best_entry,
                question=question,
                platform=platform,
                region=region,
                confidence=confidence,
            )

        if best_entry.kind == "decline":
            if best.score >= t.decline_entry:
                return replace(answered(), suggestions=tuple(suggestions))
            return declined()
        if best.score < (t.strict_answer if strict else t.answer):
            return declined()
        if close and second.entry_id:
            second_entry = kb.entries[second.entry_id]
            if strict or second_entry.kind == "decline":
                return declined()
            choices = [Suggestion(e.id, e.title) for e in (best_entry, second_entry)]
            return clarify(
                kb, question, choices, confidence=confidence, platform=platform, region=region
            )
        return answered()

    def answer_entry(
        self,
        entry_id: str,
        *,
        platform: str | None = None,
        region: str | None = None,
        question: str = "",
    ) -> Answer:
        """Answer a known topic directly (slash commands, buttons, "which did you mean")."""
        kb = self._snapshot.kb
        entry = kb.entries.get(entry_id)
        platform = platform if platform in PLATFORM_IDS else None
        region = region if region in REGION_IDS else None
        if entry is None:
            return decline(
                kb,
                question or entry_id,
                self._fallback(self._snapshot, ""),
                message="That topic no longer exists; here are some that do.",
            )
        return compose_entry(
            kb, entry, question=question or entry.title, platform=platform, region=region
        )

    def topics(self) -> list[Suggestion]:
        return [Suggestion(e.id, e.title) for e in self.kb.answer_entries()]

    def search_topics(self, text: str, limit: int = AUTOCOMPLETE_LIMIT) -> list[Suggestion]:
        """Topics for autocomplete: best matches for what is typed so far, at most 25."""
        snap = self._snapshot
        limit = clamp_limit(limit, AUTOCOMPLETE_LIMIT)
        answerable = snap.kb.answer_entries()
        if not text.strip():
            return [Suggestion(e.id, e.title) for e in answerable[:limit]]
        ranked = [
            r.entry_id
            for r in snap.index.rank(snap.index.analyse(text))
            if snap.kb.entries[r.entry_id].kind == "answer"
        ]
        ids = ranked + [i for i in snap.index.nearest_titles(text, limit) if i not in ranked]
        ids += [e.id for e in answerable if e.id not in ids]
        return [Suggestion(i, snap.kb.entries[i].title) for i in ids[:limit]]

    def _suggest(self, snap: _Snapshot, ranked: list[Ranked], question: str) -> list[Suggestion]:
        ids = [r.entry_id for r in ranked if snap.kb.entries[r.entry_id].kind == "answer"]
        ids = ids[:SUGGESTION_COUNT]
        if len(ids) < SUGGESTION_COUNT:
            ids += [i for i in snap.index.nearest_titles(question) if i not in ids]
        return [Suggestion(i, snap.kb.entries[i].title) for i in ids[:SUGGESTION_COUNT]]

    def _fallback(self, snap: _Snapshot, question: str) -> list[Suggestion]:
        return self._suggest(snap, [], question)


def _valid_region(region: str | None) -> str | None:
    return region if region in REGION_IDS else None
