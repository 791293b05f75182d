"""Answer quality on questions nobody here wrote: `python benchmarks/wild_accuracy.py [split] [-v]`.

split: tune (default), holdout or all.
Prints one row per slice (right, "which one?" with the right entry offered, declined,
wrong). Tune only on `tune`; `holdout` is for reporting.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.answering import Engine
from bot.knowledge import load_knowledge
from bot.tools.wild_evaluation import evaluate_wild, load_wild

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    split = next((a for a in argv if not a.startswith("-")), "tune")
    result = load_knowledge(ROOT / "knowledge")
    if result.kb is None:
        print("\n".join(str(p) for p in result.problems))
        return 1
    questions = load_wild(ROOT / "tests" / "data" / "wild", None if split == "all" else split)
    report = evaluate_wild(Engine(result.kb), questions)
    print(f"[{split}] {len(questions)} questions")
    print(report.table())
    if "-v" in argv:
        print("\n".join(report.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
