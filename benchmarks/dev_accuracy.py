"""The dev set (tests/data/dev/dev.yaml), used for tuning decisions beside the wild set's tune
split: `python benchmarks/dev_accuracy.py [-v]`. Not a held-out measure. Scored by the wild
set's own verdict() (right / which one / declined / wrong)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

from bot.answering import Engine
from bot.knowledge import load_knowledge
from bot.tools.wild_evaluation import OFFTOPIC, WildQuestion, verdict

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    result = load_knowledge(ROOT / "knowledge")
    if result.kb is None:
        print("\n".join(str(p) for p in result.problems))
        return 1
    engine = Engine(result.kb)
    data = yaml.safe_load((ROOT / "tests" / "data" / "dev" / "dev.yaml").read_text("utf-8"))
    questions = [WildQuestion(q["q"], q["expect"], "dev", "dev") for q in data["questions"]]
    counts: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    misses = []
    for q in questions:
        result_kind = verdict(q, engine.answer(q.text))
        counts[q.expect == OFFTOPIC][result_kind] += 1
        if result_kind != "right":
            misses.append(f"  {q.expect}: {q.text[:90]!r} -> {result_kind}")
    for off_topic, name in ((True, "off-topic declined"), (False, "in scope right")):
        c = counts[off_topic]
        total = sum(c.values())
        share = c["right"] / total if total else 0.0
        print(f"dev {name}: {c['right']}/{total} ({share:.1%}); {dict(c)}")
    if "-v" in argv:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
