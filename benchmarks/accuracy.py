"""Matcher accuracy on the labelled set: `python benchmarks/accuracy.py [tune|holdout|all] [-v]`.

Tune only on the `tune` split; the held-out split is for reporting.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.answering import Engine
from bot.knowledge import load_knowledge
from bot.tools.evaluation import evaluate, load_questions

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    split = argv[0] if argv else "tune"
    verbose = "-v" in argv
    result = load_knowledge(ROOT / "knowledge")
    if result.kb is None:
        print("\n".join(str(p) for p in result.problems))
        return 1
    engine = Engine(result.kb)
    questions = load_questions(
        ROOT / "tests" / "data" / "questions.yaml", None if split == "all" else split
    )
    report = evaluate(engine, questions)
    print(f"[{split}] {report.summary()}")
    if verbose:
        print("\n".join(report.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
