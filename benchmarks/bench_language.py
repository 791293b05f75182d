"""Language detection: our stop-word model against an offline library, on the wild set.

`python benchmarks/bench_language.py` prints accuracy on the questions in the five
languages, how many English questions are misread, and the cost per question. The
library (py3langid) is measured only when it is installed; it is not a dependency.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from bot.answering.languages import ANSWER_LANGUAGES, choose_language
from bot.answering.normalise import clean
from bot.tools.evaluation import load_questions
from bot.tools.wild_evaluation import load_wild

ROOT = Path(__file__).resolve().parent.parent


def _ours(text: str) -> str:
    return choose_language(text, clean(text).split())


def _library():
    try:
        import py3langid  # type: ignore[import-not-found]
    except ImportError:
        return None

    def guess(text: str) -> str:
        lang, _ = py3langid.classify(text)
        return lang if lang in ANSWER_LANGUAGES else "en"

    return guess


def measure(name: str, guess, split: str) -> None:
    wild = load_wild(ROOT / "tests" / "data" / "wild", split)
    others = [q for q in wild if q.lang in ANSWER_LANGUAGES and q.lang != "en"]
    english = [q.text for q in wild if q.lang == "en"]
    english += [q.text for q in load_questions(ROOT / "tests" / "data" / "questions.yaml", split)]
    right = sum(guess(q.text) == q.lang for q in others)
    misread = sum(guess(text) != "en" for text in english)
    texts = [q.text for q in others] + english
    guess(texts[0])  # warm-up (a library loads its model here)
    times = []
    for text in texts * 3:
        start = time.perf_counter()
        guess(text)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p99 = times[int(len(times) * 0.99)]
    print(
        f"{name:<12} [{split}] five languages right {right}/{len(others)} "
        f"({right / len(others):.1%}); English misread {misread}/{len(english)}; "
        f"per question p50 {statistics.median(times):.3f} ms, p99 {p99:.3f} ms"
    )


def main() -> None:
    for split in ("tune", "holdout"):
        measure("ours", _ours, split)
        library = _library()
        if library is None:
            print("py3langid    not installed (pip install py3langid to compare)")
        else:
            measure("py3langid", library, split)


if __name__ == "__main__":
    main()
