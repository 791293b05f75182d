"""Property test: whatever anyone types, the Discord rendering stays within every limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answering import Engine
from bot.discord_ui.embeds import answer_embed, answer_text
from bot.discord_ui.views import build_view
from bot.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[2]
PIECES = [
    "@everyone",
    "<@123456789012345678>",
    "```",
    "**",
    "||",
    "\u202e",
    "👨‍👩‍👧",
    "opt out",
    "iphone",
    "germany",
    "e\u0301",
    "x" * 300,
]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_knowledge(ROOT / "knowledge").kb)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=4000),
        st.lists(st.sampled_from(PIECES) | st.text(max_size=20), max_size=200).map(" ".join),
    )
)
def test_any_question_renders_within_discord_limits(engine: Engine, text: str) -> None:
    answer = engine.answer(text)
    embed = answer_embed(answer)
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in embed.fields)
    assert len(answer_text(answer)) <= 2000
    view = build_view(answer)
    for item in view.children if view else ():
        custom_id = getattr(item, "custom_id", None)
        assert custom_id is None or len(custom_id) <= 100
        for option in getattr(item, "options", ()):
            assert len(option.label) <= 100 and len(option.value) <= 100
    assert len(view.children if view else ()) <= 25
