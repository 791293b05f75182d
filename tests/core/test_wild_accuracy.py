"""Answer quality on questions nobody here wrote (tests/data/wild/), on the held-out split.

The set is for measuring only: a phrasing copied from it would turn the measure into a
memory test, so a phrasing too close to any of its questions fails the build.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from bot.answering import Engine
from bot.answering.normalise import clean
from bot.knowledge import load_knowledge
from bot.tools.wild_evaluation import (
    LANGUAGE_SLICES,
    OFFTOPIC,
    SMALLTALK,
    evaluate_wild,
    load_wild,
    verdict,
)

ROOT = Path(__file__).resolve().parents[2]
WILD = ROOT / "tests" / "data" / "wild"

# Floors that the held-out split (all five sets) must keep: a regression guard a few points
# under today's figures. Issue 10's targets (English 90%, off-topic 95%, each language 80%) are
# not met yet; the README gives today's figures for every slice, before and after.
FLOORS = {
    "ALL English in scope": ("right", 0.78),  # today 82.1%
    "ALL English off-topic": ("right", 0.82),  # today 85.1%
    "ALL five languages": ("right", 0.82),  # real and written: today 85.8%
    # Issue 13's measure, each language's written questions (three sets): today 92.9-97.5%.
    **{f"ALL written {lang}": ("right", 0.88) for lang in LANGUAGE_SLICES},
}
# Issue 10: answers given with a confidence of 0.7 or more that are another entry's, per group
# (today, held out: 1 of 184 English in scope, none of 79 off-topic / small talk or 254 in the
# five languages).
CONFIDENTLY_WRONG_MAX = 0.03


@pytest.fixture(scope="module")
def engine() -> Engine:
    result = load_knowledge(ROOT / "knowledge")
    assert result.kb is not None, [str(p) for p in result.errors]
    return Engine(result.kb)


def test_no_phrasing_is_a_copy_of_a_measured_question(engine: Engine) -> None:
    questions = [clean(q.text) for q in load_wild(WILD)]
    near = []
    for entry in engine.kb.entries.values():
        for example in entry.examples:
            hit = process.extractOne(clean(example), questions, scorer=fuzz.ratio, score_cutoff=90)
            if hit is not None:
                near.append(f"{entry.id}: {example!r} ~ {hit[0]!r} ({hit[1]:.0f})")
    assert not near, "phrasings within ratio 90 of a test question:\n" + "\n".join(near)


def test_the_set_has_every_kind_and_language() -> None:
    questions = load_wild(WILD)
    real = [q for q in questions if q.source == "real"]
    assert len(real) >= 150 and all(q.url and q.url.startswith("http") for q in real)
    per_language = Counter(q.lang for q in questions if q.source != "real")
    assert all(per_language[lang] >= 25 for lang in LANGUAGE_SLICES), per_language
    slices = {q.slice for q in questions if q.lang == "en"}
    assert {"false-premise", "headline", "troubleshooting", "terse", "typo"} <= slices
    assert {"non-native", "opinion", "offtopic-near", "smalltalk"} <= slices
    holdout = load_wild(WILD, "holdout")
    assert 0.3 < len(holdout) / len(questions) < 0.5
    # Issue 13 reads each language on its held-out written questions: enough to read.
    held = Counter(q.lang for q in holdout if q.source.startswith("written"))
    assert all(held[lang] >= 20 for lang in LANGUAGE_SLICES), held


def test_every_label_is_a_real_entry(engine: Engine) -> None:
    labels = {q.expect for q in load_wild(WILD)} | {i for q in load_wild(WILD) for i in q.also_ok}
    unknown = labels - set(engine.kb.entries) - {OFFTOPIC, SMALLTALK}
    assert not unknown


def test_held_out_floors(engine: Engine) -> None:
    report = evaluate_wild(engine, load_wild(WILD, "holdout"))
    print("\n" + report.table())
    for name, (kind, floor) in FLOORS.items():
        assert report.slices[name].rate(kind) >= floor, f"{name}\n{report.table()}"
    # Issue 13: the answer comes back in the question's language for >= 95% of them.
    five = report.slices["ALL five languages"]
    assert five.in_language / five.total >= 0.95, report.table()


def test_confident_answers_are_rarely_wrong(engine: Engine) -> None:
    held = load_wild(WILD, "holdout")
    groups = {
        "English in scope": [q for q in held if q.lang == "en" and q.in_scope],
        "English off-topic and small talk": [q for q in held if q.lang == "en" and not q.in_scope],
        "five languages": [q for q in held if q.lang in LANGUAGE_SLICES],
    }
    for name, questions in groups.items():
        confident_wrong = [
            q.text
            for q in questions
            if (answer := engine.answer(q.text)).outcome == "answer"
            and answer.confidence >= 0.7
            and verdict(q, answer) == "wrong"
        ]
        limit = CONFIDENTLY_WRONG_MAX * len(questions)
        assert len(confident_wrong) <= limit, (name, confident_wrong)


def test_channel_mode_answers_almost_no_off_topic_message(engine: Engine) -> None:
    """Unprompted answers in a chosen channel: ≤ 2% of the off-topic and small-talk messages,
    and only messages that name LinkedIn, AI training or the setting."""
    quiet = [q for q in load_wild(WILD) if not q.in_scope]
    answered = [q.text for q in quiet if engine.answer(q.text, strict=True).answered]
    assert len(answered) <= 0.02 * len(quiet), answered
    assert not engine.answer("What's changing?", strict=True).answered
