"""The dev sets (tests/data/dev/*.yaml), used for tuning decisions beside the wild set's tune
split: `python benchmarks/dev_accuracy.py [-v]`. Not a held-out measure. Scored by the wild
set's own verdict() (right / which one / declined / wrong), one row pair per file."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from bot.answering import Engine
from bot.knowledge import load_knowledge
from bot.tools.wild_evaluation import OFFTOPIC, SMALLTALK, WildQuestion, load_wild, verdict

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    result = load_knowledge(ROOT / "knowledge")
    if result.kb is None:
        print("\n".join(str(p) for p in result.problems))
        return 1
    engine = Engine(result.kb)
    questions = load_wild(ROOT / "tests" / "data" / "dev")  # the wild set's format and reader
    for source in sorted({q.source for q in questions}):
        _report(engine, source, [q for q in questions if q.source == source], "-v" in argv)
    return 0


def _report(engine: Engine, source: str, questions: list[WildQuestion], verbose: bool) -> None:
    counts: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    misses = []
    for q in questions:
        result_kind = verdict(q, engine.answer(q.text))
        counts[q.expect in (OFFTOPIC, SMALLTALK)][result_kind] += 1
        if result_kind != "right":
            misses.append(f"  {q.expect}: {q.text[:90]!r} -> {result_kind}")
    for off_topic, name in ((True, "off-topic or small talk right"), (False, "in scope right")):
        c = counts[off_topic]
        total = sum(c.values())
        share = c["right"] / total if total else 0.0
        print(f"{source} {name}: {c['right']}/{total} ({share:.1%}); {dict(c)}")
    if verbose:
        print("\n".join(misses))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
