"""A bot answer's topic, platform and region, read back from its own buttons."""

from __future__ import annotations

from types import SimpleNamespace

from bot.discord_ui.context import AnswerContext, answer_context
from bot.discord_ui.views import build_view


def as_message(view) -> SimpleNamespace:
    """What discord.py gives for a received message: rows of components with custom ids."""
    rows: dict[int, list] = {}
    for item in view.children:
        rows.setdefault(item.row or 0, []).append(SimpleNamespace(custom_id=item.item.custom_id))
    return SimpleNamespace(components=[SimpleNamespace(children=r) for r in rows.values()])


def test_context_from_an_answers_controls(fixture_engine, fixture_kb):
    answer = fixture_engine.answer_entry("turn-off", platform="android", region="uk")
    context = answer_context(as_message(build_view(answer)))
    assert context == AnswerContext("turn-off", "android", "uk")


def test_context_of_a_plain_answer_and_of_other_messages(fixture_engine, fixture_kb):
    answer = fixture_engine.answer_entry("private-messages")
    assert answer_context(as_message(build_view(answer))) == AnswerContext(
        "private-messages", None, None
    )
    assert answer_context(SimpleNamespace(components=[])) is None
    assert answer_context(None) is None
    forged = SimpleNamespace(
        components=[SimpleNamespace(children=[SimpleNamespace(custom_id="ob:d:x:evil:zz")])]
    )
    assert answer_context(forged) == AnswerContext("x", None, None)  # unknown slots dropped
