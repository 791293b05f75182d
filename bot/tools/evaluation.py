"""Measure the matcher on a labelled question set (tests/data/questions.yaml).

The set is split by a hash of each question, not by hand, so nobody chooses which
questions are held back: about 40% are held out and never used for tuning.
"""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.answering import Engine
from bot.outcome import Outcome

HOLDOUT_PERCENT = 40


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    expect: str | None
    platform: str | None = None
    region: str | None = None

    @property
    def split(self) -> str:
        return "holdout" if zlib.crc32(self.text.encode()) % 100 < HOLDOUT_PERCENT else "tune"


def load_questions(path: Path, split: str | None = None) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = [
        Question(q["q"], q.get("expect"), q.get("platform"), q.get("region"))
        for q in data["questions"]
    ]
    return [q for q in questions if split in (None, q.split)]


@dataclass
class Report:
    in_scope: int = 0
    answered_right: int = 0
    top1_right: int = 0
    answered_wrong: int = 0
    out_of_scope: int = 0
    declined_right: int = 0
    slots_named: int = 0
    slots_right: int = 0
    misses: list[str] = field(default_factory=list)
    confusions: Counter = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        """Answered with the expected entry (clarify or decline count as misses)."""
        return self.answered_right / self.in_scope if self.in_scope else 0.0

    @property
    def top1(self) -> float:
        """The expected entry was the answer, or the first choice offered."""
        return self.top1_right / self.in_scope if self.in_scope else 0.0

    @property
    def wrong_answer_rate(self) -> float:
        return self.answered_wrong / self.in_scope if self.in_scope else 0.0

    @property
    def decline_accuracy(self) -> float:
        return self.declined_right / self.out_of_scope if self.out_of_scope else 0.0

    @property
    def slot_accuracy(self) -> float:
        return self.slots_right / self.slots_named if self.slots_named else 1.0

    def summary(self) -> str:
        return (
            f"in scope: {self.in_scope} questions, answered right {self.accuracy:.1%}, "
            f"top-1 {self.top1:.1%}, answered wrong {self.wrong_answer_rate:.1%}; "
            f"out of scope: {self.out_of_scope}, declined {self.decline_accuracy:.1%}; "
            f"slots: {self.slot_accuracy:.1%} of {self.slots_named}"
        )


def evaluate(engine: Engine, questions: list[Question]) -> Report:
    report = Report()
    for q in questions:
        answer = engine.answer(q.text)
        if q.platform or q.region:
            report.slots_named += 1
            named_right = (q.platform is None or answer.platform == q.platform) and (
                q.region is None or answer.region == q.region
            )
            report.slots_right += named_right
            if not named_right:
                report.misses.append(
                    f"slot: {q.text!r} wanted {q.platform}/{q.region}, "
                    f"got {answer.platform}/{answer.region}"
                )
        if q.expect is None:
            report.out_of_scope += 1
            if answer.outcome == Outcome.DECLINE:
                report.declined_right += 1
            else:
                got = answer.entry_id or f"clarify:{answer.choices[0].id}"
                report.misses.append(f"oos: {q.text[:80]!r} -> {got} ({answer.confidence:.2f})")
                report.confusions[("null", got)] += 1
            continue
        report.in_scope += 1
        first = answer.entry_id or (answer.choices[0].id if answer.choices else None)
        if answer.outcome == Outcome.ANSWER and answer.entry_id == q.expect:
            report.answered_right += 1
        elif answer.outcome == Outcome.ANSWER:
            report.answered_wrong += 1
        report.top1_right += first == q.expect
        if not (answer.outcome == Outcome.ANSWER and answer.entry_id == q.expect):
            got = f"{answer.outcome}:{first}"
            report.misses.append(f"{q.expect}: {q.text[:80]!r} -> {got} ({answer.confidence:.2f})")
            report.confusions[(q.expect, got)] += 1
    return report
