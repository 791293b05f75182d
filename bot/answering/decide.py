"""The decision after ranking: answer, ask which of two, recognise small talk, or decline.

Ranking says how well each entry fits; this step says what to do about it, and records
why (as Rasa's fallback classifier does), so a surprising answer can be explained.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.answering.matcher import Index, Query, Ranked, Thresholds
from bot.knowledge.schema import KnowledgeBase

DecisionKind = Literal["answer", "clarify", "catch", "decline"]


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    reason: str
    best: Ranked | None = None
    second: Ranked | None = None


def decide(
    kb: KnowledgeBase,
    index: Index,
    query: Query,
    ranked: list[Ranked],
    thresholds: Thresholds,
    *,
    strict: bool = False,
) -> Decision:
    """What to do with a ranked question. `strict` (unprompted channel answers) never guesses."""
    t = thresholds
    if not ranked:
        return Decision("decline", "no word of the question is in the knowledge")

    def kind(r: Ranked) -> str:
        return kb.entries[r.entry_id].kind

    skip_catchers = False

    def after(r: Ranked) -> Ranked | None:
        return next(
            (
                o
                for o in ranked
                if o.entry_id != r.entry_id and not (skip_catchers and kind(o) != "answer")
            ),
            None,
        )

    best = ranked[0]
    margin = t.strict_margin if strict else t.margin
    about = index.about_the_setting(query)
    if strict and (index.catcher_only_terms(query) or not index.on_topic(query)):
        # Unprompted answers in a channel: only for messages plainly about LinkedIn's AI
        # training, never when a word points at another service.
        return Decision("decline", "unprompted, and not plainly about this setting", best)
    if kind(best) == "answer" and index.names_something_else(query):
        return Decision("decline", "names another service and not LinkedIn", best)
    if kind(best) == "answer" and index.catcher_only_terms(query):
        catcher = next((r for r in ranked if kind(r) == "decline"), None)
        if catcher is not None and best.score - catcher.score < t.foreign_margin:
            # A word only an off-topic entry knows ("Indeed", "password") is strong evidence.
            best = catcher
            if best.score >= t.decline_entry:
                return Decision("catch", "a word only an off-topic entry knows", best)
            return Decision("decline", "a word only an off-topic entry knows", best)
    if kind(best) != "answer":
        top_answer = next((r for r in ranked if kind(r) == "answer"), None)
        generic_catch = (
            not strict
            and kind(best) == "decline"
            and about
            and top_answer is not None
            and best.score - top_answer.score < t.catcher_margin
            and top_answer.score >= t.answer
        )
        if not generic_catch:
            if best.score >= t.decline_entry:
                return Decision("catch", f"{kind(best)} entry matched", best, after(best))
            return Decision("decline", "an off-topic entry was nearest, but not sure", best)
        # About AI training and naming nothing only an off-topic entry knows: the off-topic
        # entry won on words every topic shares ("opt out", "in Europe"), so it steps aside.
        best = top_answer
        skip_catchers = True
    if best.score < (t.strict_answer if strict else t.answer):
        return Decision("decline", f"best score {best.score:.1f} under the threshold", best)
    second = after(best)
    if second is None or best.score - second.score >= margin:
        return Decision("answer", "clear winner", best, second)
    if kind(second) != "answer":
        if strict or not about:
            return Decision("decline", "too close to an off-topic entry", best, second)
        return Decision("answer", "close to an off-topic entry but about the setting", best)
    best_entry, second_entry = kb.entries[best.entry_id], kb.entries[second.entry_id]
    if second.entry_id in best_entry.includes:
        return Decision("answer", f"{best.entry_id} includes {second.entry_id}", best, second)
    if best.entry_id in second_entry.includes:
        return Decision("answer", f"{second.entry_id} includes {best.entry_id}", second, best)
    if strict:
        return Decision("decline", "two topics too close to call", best, second)
    return Decision("clarify", "two topics too close to call", best, second)
