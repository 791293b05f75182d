"""Measure answers on questions nobody here wrote (tests/data/wild/*.yaml), slice by slice.

The older set (tests/data/questions.yaml) is close in style to the example phrasings,
so it measures memory as much as understanding. These questions come by other routes:
copied verbatim from public pages (with their addresses) and written by helpers who
never saw the phrasings. The same hash split as bot.tools.evaluation keeps ~40% held out.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.answering import Engine
from bot.answering.answer import Answer
from bot.outcome import Outcome
from bot.tools.evaluation import HOLDOUT_PERCENT

OFFTOPIC = "offtopic"
SMALLTALK = "smalltalk"


@dataclass(frozen=True, slots=True)
class WildQuestion:
    text: str
    expect: str
    slice: str
    source: str
    also_ok: tuple[str, ...] = ()
    platform: str | None = None
    region: str | None = None
    lang: str = "en"
    url: str | None = None
    kind: str | None = None

    @property
    def split(self) -> str:
        return "holdout" if zlib.crc32(self.text.encode()) % 100 < HOLDOUT_PERCENT else "tune"

    @property
    def in_scope(self) -> bool:
        return self.expect not in (OFFTOPIC, SMALLTALK)


def load_wild(folder: Path, split: str | None = None) -> list[WildQuestion]:
    questions = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("questions", []):
            questions.append(
                WildQuestion(
                    text=item["q"],
                    expect=item["expect"],
                    slice=item.get("slice") or "real",
                    source=path.stem,
                    also_ok=tuple(item.get("also_ok") or ()),
                    platform=item.get("platform"),
                    region=item.get("region"),
                    lang=item.get("lang", "en"),
                    url=item.get("url"),
                    kind=item.get("kind"),
                )
            )
    return [q for q in questions if split in (None, q.split)]


def verdict(q: WildQuestion, answer: Answer) -> str:
    """right | clarify (which-one, right entry offered) | declined | wrong (confidently wrong)."""
    ok = {q.expect, *q.also_ok}
    if q.expect == SMALLTALK:
        if answer.small_talk:
            return "right"
        return "declined" if answer.outcome == Outcome.DECLINE else "wrong"
    if q.expect == OFFTOPIC:
        if answer.outcome == Outcome.ANSWER and answer.entry_id in ok:
            return "right"  # labelled off-topic, but this entry was also accepted
        if answer.outcome == Outcome.DECLINE and (not answer.small_talk or SMALLTALK in ok):
            return "right"
        if answer.outcome == Outcome.DECLINE:
            return "declined"
        return "wrong"
    if answer.outcome == Outcome.ANSWER:
        return "right" if answer.entry_id in ok else "wrong"
    if answer.outcome == Outcome.CLARIFY:
        return "clarify" if ok & {c.id for c in answer.choices} else "wrong-clarify"
    return "declined"


@dataclass
class SliceReport:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    slots_named: int = 0
    slots_right: int = 0
    wrong_region: int = 0
    in_language: int = 0  # answers written in the question's own language

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def rate(self, kind: str) -> float:
        return self.counts[kind] / self.total if self.total else 0.0


@dataclass
class WildReport:
    slices: dict[str, SliceReport] = field(default_factory=lambda: defaultdict(SliceReport))
    misses: list[str] = field(default_factory=list)

    def add(self, name: str, q: WildQuestion, answer: Answer) -> None:
        result = verdict(q, answer)
        report = self.slices[name]
        report.counts[result] += 1
        if q.region or q.platform:
            report.slots_named += 1
            right = (q.region is None or answer.region == q.region) and (
                q.platform is None or answer.platform == q.platform
            )
            report.slots_right += right
        if answer.region and q.region and answer.region != q.region:
            report.wrong_region += 1
        report.in_language += answer.lang == q.lang
        if result != "right":
            got = answer.entry_id or ",".join(c.id for c in answer.choices) or "-"
            self.misses.append(
                f"[{name}] {q.expect}: {q.text[:90]!r} -> {answer.outcome}:{got}"
                f" ({answer.confidence:.2f})"
            )

    def table(self) -> str:
        head = (
            f"{'slice':<26}{'n':>5}{'right':>8}{'which?':>8}{'declined':>10}"
            f"{'wrong':>8}{'slots':>8}{'in lang':>9}"
        )
        rows = [head]
        for name in sorted(self.slices, key=_slice_order):
            r = self.slices[name]
            wrong = r.counts["wrong"] + r.counts["wrong-clarify"]
            slots = f"{r.slots_right}/{r.slots_named}" if r.slots_named else "-"
            rows.append(
                f"{name:<26}{r.total:>5}{r.rate('right'):>8.1%}{r.rate('clarify'):>8.1%}"
                f"{r.rate('declined'):>10.1%}{wrong / r.total if r.total else 0:>8.1%}{slots:>8}"
                f"{r.in_language / r.total if r.total else 0:>9.1%}"
            )
        return "\n".join(rows)


def _slice_order(name: str) -> tuple[int, str]:
    return (0 if name.startswith("ALL") else 1, name)


LANGUAGE_SLICES = ("fr", "de", "nl", "es", "it")


def slice_names(q: WildQuestion) -> list[str]:
    """Every question counts in its own slice (source/kind) and in the totals it belongs to."""
    kind = q.slice if q.lang == "en" else q.lang
    names = [f"{q.source}/{kind}"]
    if q.source == "real":
        names.append("ALL real")
    if q.lang in LANGUAGE_SLICES:
        names += [f"ALL {q.lang}", "ALL five languages"]
        if q.source.startswith("written"):
            names.append(f"ALL written {q.lang}")  # both written sets: issue 13's measure
    elif q.lang == "en":
        if q.in_scope:
            names.append("ALL English in scope")
        elif q.expect == OFFTOPIC:
            names.append("ALL English off-topic")
        else:
            names.append("ALL English small talk")
    return names


def evaluate_wild(engine: Engine, questions: list[WildQuestion]) -> WildReport:
    report = WildReport()
    for q in questions:
        answer = engine.answer(q.text)
        for name in slice_names(q):
            report.add(name, q, answer)
    return report
