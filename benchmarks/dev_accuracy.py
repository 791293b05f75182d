"""The dev set (tests/data/dev/dev.yaml), used for tuning decisions beside the wild set's tune
split: `python benchmarks/dev_accuracy.py [-v]`. Not a held-out measure."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from bot.answering import Engine
from bot.knowledge import load_knowledge
from bot.outcome import Outcome

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    result = load_knowledge(ROOT / "knowledge")
    if result.kb is None:
        print("\n".join(str(p) for p in result.problems))
        return 1
    engine = Engine(result.kb)
    data = yaml.safe_load((ROOT / "tests" / "data" / "dev" / "dev.yaml").read_text("utf-8"))
    off = [q for q in data["questions"] if q["expect"] == "offtopic"]
    ins = [q for q in data["questions"] if q["expect"] != "offtopic"]
    declined = [q for q in off if engine.answer(q["q"]).outcome == Outcome.DECLINE]
    answers = [(q, engine.answer(q["q"])) for q in ins]
    right = sum(a.answered and a.entry_id == q["expect"] for q, a in answers)
    wrong = sum(a.answered and a.entry_id != q["expect"] for q, a in answers)
    print(
        f"dev: off-topic declined {len(declined)}/{len(off)} ({len(declined) / len(off):.1%}); "
        f"in scope right {right}/{len(ins)} ({right / len(ins):.1%}), answered wrong {wrong}"
    )
    if "-v" in argv:
        for q in off:
            if q not in declined:
                print(f"  not declined: {q['q'][:90]!r}")
        for q, a in answers:
            if not (a.answered and a.entry_id == q["expect"]):
                print(f"  {q['expect']}: {q['q'][:90]!r} -> {a.outcome}:{a.entry_id or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
