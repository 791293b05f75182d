"""Matcher quality on the held-out part of the labelled question set.

The split is fixed by a hash of each question (bot.tools.evaluation); thresholds and
knowledge are tuned on the other part only, so these figures are honest estimates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering import Engine
from bot.knowledge import load_knowledge
from bot.tools.evaluation import evaluate, load_questions

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "tests" / "data" / "questions.yaml"


@pytest.fixture(scope="module")
def shipped_engine() -> Engine:
    result = load_knowledge(ROOT / "knowledge")
    assert result.kb is not None, [str(p) for p in result.errors]
    return Engine(result.kb)


def test_question_set_is_big_enough_and_split() -> None:
    questions = load_questions(QUESTIONS)
    in_scope = [q for q in questions if q.expect]
    out_of_scope = [q for q in questions if q.expect is None]
    assert len(in_scope) >= 250 and len(out_of_scope) >= 60
    holdout = load_questions(QUESTIONS, "holdout")
    assert 0.3 < len(holdout) / len(questions) < 0.5


def test_every_label_is_a_real_entry(shipped_engine: Engine) -> None:
    labels = {q.expect for q in load_questions(QUESTIONS)} - {None}
    assert labels <= set(shipped_engine.kb.entries)
    answerable = {e.id for e in shipped_engine.kb.answer_entries()}
    assert labels == answerable, "every topic should be covered by the question set"


def test_holdout_accuracy(shipped_engine: Engine) -> None:
    report = evaluate(shipped_engine, load_questions(QUESTIONS, "holdout"))
    print(report.summary())
    assert report.top1 >= 0.90, report.summary() + "\n" + "\n".join(report.misses)
    assert report.decline_accuracy >= 0.90, report.summary() + "\n" + "\n".join(report.misses)
    assert report.wrong_answer_rate <= 0.10, report.summary()
    assert report.slot_accuracy >= 0.90, report.summary()


def test_channel_mode_never_answers_off_topic(shipped_engine: Engine) -> None:
    off_topic = [q for q in load_questions(QUESTIONS) if q.expect is None]
    answered = [q.text for q in off_topic if shipped_engine.answer(q.text, strict=True).answered]
    assert len(answered) <= len(off_topic) * 0.02, answered
