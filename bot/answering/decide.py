"""The decision after ranking: answer, ask which of two, recognise small talk, or decline.

Ranking says how well each entry fits; this step says what to do about it, and records
why (as Rasa's fallback classifier does), so a surprising answer can be explained.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.answering.languages import CONDITIONAL_WORDS, HOW_WORDS
from bot.answering.matcher import Index, Query, Ranked, Thresholds
from bot.knowledge.schema import KnowledgeBase

DecisionKind = Literal["answer", "clarify", "catch", "decline"]
# How far an entry about the place the question names may trail a general entry and still
# answer (tune: 5 to 15 points gain the same Hong Kong question; 25 lets the CNIL entry take an
# Irish DPC question, as both are "eu").
PLACE_LEAD = 10.0
# A question naming a place that no topic fits surely goes to the entry with that place's note
# when it is this close to the top and scores this much (tune: floors 35-38 and nears 3-6 gain
# 2-3 questions and a dev one, and lose none; at 30 a German Hong Kong question, whose own
# entry is far behind, gets the general regions entry instead).
PLACE_NEAR = 3.0
PLACE_FLOOR = 35.0
# How far the best entry that is not a how-to may trail the how-to for "if I turn it off,
# does it...?" (tune +1, dev sets +2 at 10 to 25 points, nothing lost).
CONSEQUENCE_LEAD = 15.0


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    reason: str
    best: Ranked | None = None
    second: Ranked | None = None
    sure: bool = False  # an answer entry leads the next by the margin, or has no rival
    offer_second: bool = False  # the answer stands in for "which one?": offer the other too


@dataclass(frozen=True, slots=True)
class _Case:
    """One ranked question and what the rules need to know about it."""

    kb: KnowledgeBase
    index: Index
    query: Query
    ranked: list[Ranked]
    t: Thresholds
    strict: bool

    def kind(self, r: Ranked) -> str:
        return self.kb.entries[r.entry_id].kind

    def first(self, kind: str) -> Ranked | None:
        return next((r for r in self.ranked if self.kind(r) == kind), None)

    def after(self, r: Ranked, *, answers_only: bool = False) -> Ranked | None:
        return next(
            (
                o
                for o in self.ranked
                if o.entry_id != r.entry_id and not (answers_only and self.kind(o) != "answer")
            ),
            None,
        )

    @property
    def margin(self) -> float:
        return self.t.strict_margin if self.strict else self.t.margin

    def about_named_place(self, r: Ranked) -> bool:
        """The question names a place this entry is about (only region-specific entries are)."""
        region = self.query.slots.region
        return region is not None and region in (self.index.regions_of(r.entry_id) or ())

    def asks_how(self) -> bool:
        """The question asks how, where or for a link: what the how-to answers."""
        return bool(set(self.query.words) & HOW_WORDS)


def decide(
    kb: KnowledgeBase,
    index: Index,
    query: Query,
    ranked: list[Ranked],
    thresholds: Thresholds,
    *,
    strict: bool = False,
) -> Decision:
    """What to do with a ranked question: the first rule that decides, in order.
    `strict` (unprompted channel answers) never guesses."""
    if not ranked:
        return Decision("decline", "no word of the question is in the knowledge")
    ranked = _for_the_named_place(index, query, ranked)
    if not ranked:
        return Decision("decline", "only entries about other places fit")
    case = _Case(kb, index, query, ranked, thresholds, strict)
    decision = _first_rule(case)
    if decision.kind == "decline" and (hello := _a_greeting(case)) is not None:
        return hello
    return decision


def _first_rule(case: _Case) -> Decision:
    for rule in (_off_topic_evidence, _catcher_first):
        decision = rule(case)
        if decision is not None:
            return decision
    return _between_answers(case, case.ranked[0])


def _a_greeting(case: _Case) -> Decision | None:
    """A message that opens with a greeting, fits no topic and names neither LinkedIn nor AI
    ("Hola a todos! Me acabo de unir, soy de Valencia…") is a hello: it gets the friendly line
    (which says what the bot answers), not "I don't know that one"."""
    if case.strict or case.index.on_topic(case.query):
        return None
    talk = case.index.greeting(case.query.words)
    if talk is None:
        return None
    return Decision("catch", "opens with a greeting and fits no topic", Ranked(talk, 0.0))


def _for_the_named_place(index: Index, query: Query, ranked: list[Ranked]) -> list[Ranked]:
    """An entry about certain places only (Canada and Hong Kong) never answers someone who
    names another place: "I live in Amsterdam, since when?" must not get Canada's rules."""
    region = query.slots.region
    if region is None:
        return ranked
    return [r for r in ranked if (own := index.regions_of(r.entry_id)) is None or region in own]


def _off_topic_evidence(case: _Case) -> Decision | None:
    """Words that point away from this setting decide before any score does."""
    index, query, best = case.index, case.query, case.ranked[0]
    if case.strict and (index.catcher_only_terms(query) or not index.on_topic(query)):
        # Unprompted answers in a channel: only for messages plainly about LinkedIn's AI
        # training, never when a word points at another service.
        return Decision("decline", "unprompted, and not plainly about this setting", best)
    if case.kind(best) != "answer":
        return None
    if index.names_something_else(query):
        return Decision("decline", "names another service and not LinkedIn", best)
    catcher = case.first("decline")
    if (
        index.catcher_only_terms(query)
        and catcher is not None
        and best.score - catcher.score < case.t.foreign_margin
    ):
        # A word only an off-topic entry knows ("Glassdoor", "Mastodon") is strong evidence.
        if catcher.score >= case.t.decline_entry:
            return Decision("catch", "a word only an off-topic entry knows", catcher)
        return Decision("decline", "a word only an off-topic entry knows", catcher)
    return None


def _catcher_first(case: _Case) -> Decision | None:
    """An off-topic or small-talk entry ranked first: catch, decline, or step aside."""
    best, t = case.ranked[0], case.t
    if case.kind(best) == "answer":
        return None
    top_answer = case.first("answer")
    steps_aside = (
        not case.strict
        and case.kind(best) == "decline"
        and case.index.about_the_setting(case.query)
        and top_answer is not None
        and best.score - top_answer.score < t.catcher_margin
        and top_answer.score >= t.answer
    )
    if steps_aside:
        # About AI training and naming nothing only an off-topic entry knows: the off-topic
        # entry won on words every topic shares ("opt out", "in Europe"), so it steps aside.
        return _between_answers(case, top_answer, answers_only=True)
    if best.score >= t.decline_entry:
        return Decision("catch", f"{case.kind(best)} entry matched", best, case.after(best))
    second = case.after(best)
    clear = second is None or best.score - second.score >= t.margin
    if case.kind(best) == "smalltalk" and clear and case.index.marks_small_talk(case.query.words):
        # "Hat geklappt, Schalter steht auf Aus. Danke dir!": a longer thanks or hello, clearly
        # led by small talk and holding its word, gets the friendly line, not "I don't know".
        return Decision("catch", "small talk leads clearly, with its word", best, second)
    return Decision("decline", "an off-topic entry was nearest, but not sure", best)


def _between_answers(case: _Case, best: Ranked, *, answers_only: bool = False) -> Decision:
    """An answer entry leads: answer, ask which of two, or decline when unsure."""
    t = case.t
    if (consequence := _a_consequence(case, best)) is not None:
        return consequence
    if (own_place := _entry_for_the_place(case, best)) is not None:
        return own_place
    second = case.after(best, answers_only=answers_only)
    if (place := _place_entry(case, best, second)) is not None:
        return place
    if best.score < (t.strict_answer if case.strict else t.answer_for(len(case.query.content))):
        if not _alone_in_its_language(case, best):
            return Decision("decline", f"best score {best.score:.1f} under the threshold", best)
        return Decision("answer", "far ahead of every other entry", best, case.after(best))
    if (near_catcher := _near_a_catcher(case, best)) is not None:
        return near_catcher
    if second is None or best.score - second.score >= case.margin:
        return Decision("answer", "clear winner", best, second, sure=True)
    if case.kind(second) != "answer":
        if case.strict or not case.index.about_the_setting(case.query):
            return Decision("decline", "too close to an off-topic entry", best, second)
        return Decision("answer", "close to an off-topic entry but about the setting", best)
    if (by_place := _by_region(case, best, second)) is not None:
        return by_place
    if (one_answers := _one_answers_both(case, best, second)) is not None:
        return one_answers
    if case.strict:
        return Decision("decline", "two topics too close to call", best, second)
    return Decision("clarify", "two topics too close to call", best, second)


def _alone_in_its_language(case: _Case, best: Ranked) -> bool:
    """A French, German, Dutch, Spanish or Italian question under the threshold whose leader
    no other entry comes near: its words were few in that language's phrasings, not unclear.
    An English one only when it is long (its context diluted the score) and the lead wider."""
    t, query = case.t, case.query
    english = query.lang == "en"
    if case.strict or len(query.content) < (t.long_words if english else t.lone_words):
        return False
    lead = t.lone_lead_english if english else t.lone_lead
    other = case.after(best)
    return best.score >= t.lone_floor and (other is None or best.score - other.score >= lead)


def _near_a_catcher(case: _Case, best: Ranked) -> Decision | None:
    """An answer only a little ahead of an off-topic entry, for a question that names neither
    AI training nor the setting ("how do I use LinkedIn's AI to rewrite my summary?", "how do I
    turn off read receipts?"): the shared words ("how", "LinkedIn", "AI") decided, not the
    topic, so decline (the suggestions still offer the nearest topics)."""
    catcher = case.first("decline")
    if case.strict or catcher is None or best.score - catcher.score >= case.t.catcher_near:
        return None
    if case.index.about_the_setting(case.query):
        return None
    return Decision("decline", "near an off-topic entry, not about the setting", best, catcher)


def _one_answers_both(case: _Case, best: Ranked, second: Ranked) -> Decision | None:
    """Two close answers where one serves both: the entry that includes the other's whole
    answer (the how-to includes the direct link) or, unless unprompted, the overview, or the
    one that is not the how-to when the question does not ask how. A vague
    question ("what is LinkedIn AI training?") gets the big picture and a button to the other
    entry, which beats a "which one?" between two narrower readings."""
    entries = case.kb.entries
    for one, other in ((best, second), (second, best)):
        if other.entry_id in entries[one.entry_id].includes:
            why = f"{one.entry_id} includes {other.entry_id}"
            return Decision("answer", why, one, other, offer_second=True)
    if case.strict:
        return None
    overviews = [r for r in (best, second) if entries[r.entry_id].overview]
    if len(overviews) == 1:
        one = overviews[0]
        other = second if one is best else best
        why = f"{one.entry_id} is the overview"
        return Decision("answer", why, one, other, offer_second=True)
    # The how-to is near the top of most questions (its words are everyone's words); one that
    # asks neither how, where nor for a link ("Welche Daten nutzt LinkedIn für das KI-Training?")
    # gets the other entry, with the how-to as a button (tune +1, nothing lost).
    howtos = [r for r in (best, second) if entries[r.entry_id].is_howto]
    if len(howtos) == 1 and not case.asks_how():
        other = second if howtos[0] is best else best
        return Decision("answer", "not asked how", other, howtos[0], offer_second=True)
    return None


def _a_consequence(case: _Case, best: Ranked) -> Decision | None:
    """ "If I turn it off, does it also stop the feed ranking?" (in any of the languages) asks
    what switching off does, not how: the how-to's words win the ranking, so the best entry
    that is not a how-to answers when it trails by under CONSEQUENCE_LEAD points. A question
    that also asks how or where ("if I'm on the app, where is it?") keeps the how-to."""
    entries = case.kb.entries
    howto = entries[best.entry_id]
    if_word = set(case.query.words) & CONDITIONAL_WORDS
    if case.strict or not howto.is_howto or not if_word or case.asks_how():
        return None
    other = next(
        (
            r
            for r in case.ranked
            if case.kind(r) == "answer"
            and not entries[r.entry_id].is_howto
            and r.entry_id not in howto.includes
        ),
        None,
    )
    if other is None or other.score < case.t.answer or best.score - other.score >= CONSEQUENCE_LEAD:
        return None
    return Decision("answer", "asks what switching off does, not how", other, best)


def _entry_for_the_place(case: _Case, best: Ranked) -> Decision | None:
    """The question names a place that an entry is about ("I work in Hong Kong, how does it
    work there?"): that entry answers when it trails a general leader by under PLACE_LEAD."""
    if case.strict or case.index.regions_of(best.entry_id) is not None:
        return None
    own = next((r for r in case.ranked if case.about_named_place(r)), None)
    if own is None or own.score < case.t.answer or best.score - own.score >= PLACE_LEAD:
        return None
    return Decision("answer", f"{own.entry_id} is about {case.query.slots.region}", own, best)


def _place_entry(case: _Case, best: Ranked, second: Ranked | None) -> Decision | None:
    """A question that names a place and fits no topic surely ("Norway isn't in the EU, so not
    us?", "en Colombia esto ya estaba activado?") gets the entry with every region's note
    (`regions`, which sets shared_region_notes) when that entry is within PLACE_NEAR of the
    top and scores at least PLACE_FLOOR: it tells them what applies where they are."""
    if case.query.slots.region is None or case.strict or case.about_named_place(best):
        return None
    unsure = best.score < case.t.answer or (
        second is not None and best.score - second.score < case.margin
    )
    if not unsure:
        return None
    entries = case.kb.entries
    # Only a close, good enough fit counts: a far-behind entry about the place ("cnil" for
    # the Netherlands) must not hide the entry with every region's note.
    near = [
        r for r in case.ranked[:2] if r.score >= PLACE_FLOOR and best.score - r.score < PLACE_NEAR
    ]
    place = next(
        (r for r in near if case.about_named_place(r)),  # its own entry
        next((r for r in near if entries[r.entry_id].shared_region_notes), None),
    )
    if place is None:
        return None
    return Decision("answer", f"names a place; {place.entry_id} has its note", place, best)


def _by_region(case: _Case, best: Ranked, second: Ranked) -> Decision | None:
    """Two close answers, one about the place the question names ("canada?": the Canada and
    Hong Kong entry), the other general: the place decides. (An entry about other places never
    gets here: _for_the_named_place took it out of the ranking, so "uk?" is the general one.)"""
    if case.strict:
        return None  # unprompted answers never settle a close call
    regions = case.index.regions_of
    for one, other in ((best, second), (second, best)):
        if not case.about_named_place(one) or regions(other.entry_id) is not None:
            continue
        if one.score < case.t.answer:
            return None
        return Decision("answer", f"{one.entry_id} is about {case.query.slots.region}", one, other)
    return None
