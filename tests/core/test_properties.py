"""Property tests: any text at all gets an answer or a decline, never an exception,
and every rendering stays within Discord's limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answering import Engine
from bot.answering.normalise import clean
from bot.knowledge import load_knowledge
from bot.presentation.layout import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_COUNT_LIMIT,
    FIELD_VALUE_LIMIT,
    TITLE_LIMIT,
    layout,
)
from bot.presentation.text import to_json_line, to_text

ROOT = Path(__file__).resolve().parents[2]

HOSTILE_PIECES = [
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@&987654321098765432>",
    "<#111>",
    "```py\nprint(1)\n```",
    "**bold**",
    "||spoiler||",
    "> quote",
    "# heading",
    "discord.gg/abc",
    "https://evil.example/x",
    "\u200b",
    "\u200d",
    "\u202e",
    "\u2066",
    "\ufeff",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "e\u0301\u0301\u0301",
    "مرحبا كيف أوقف",
    "שלום",
    "漢字",
    "ＬｉｎｋｅｄＩｎ",
    "𝓸𝓹𝓽 𝓸𝓾𝓽",
    "opt out iphone germany",
    "\x00",
    "\r\n",
    "\t",
    "ß",
    "İ",
    "ﬁ",
]
hostile_text = st.one_of(
    st.text(max_size=10_000),
    st.lists(st.sampled_from(HOSTILE_PIECES) | st.text(max_size=30), max_size=400).map(" ".join),
)
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def shipped() -> Engine:
    return Engine(load_knowledge(ROOT / "knowledge").kb)


def check_rendering(answer) -> None:
    lay = layout(answer)
    assert len(lay.title) <= TITLE_LIMIT
    assert len(lay.description) <= DESCRIPTION_LIMIT
    assert len(lay.fields) <= FIELD_COUNT_LIMIT
    assert all(len(f.value) <= FIELD_VALUE_LIMIT and len(f.name) <= 256 for f in lay.fields)
    assert lay.total_chars() <= EMBED_TOTAL_LIMIT
    assert "@everyone" not in lay.description and "@here" not in lay.description
    json.loads(to_json_line(answer))
    to_text(answer)


@SETTINGS
@given(hostile_text)
def test_normaliser_never_raises_and_is_bounded(text: str) -> None:
    out = clean(text)
    assert out == clean(out)  # idempotent
    assert len(out.split()) <= 80


@SETTINGS
@given(hostile_text, st.booleans())
def test_engine_always_answers_or_declines(shipped: Engine, text: str, strict: bool) -> None:
    answer = shipped.answer(text, strict=strict)
    assert answer.outcome in ("answer", "clarify", "decline")
    assert 0.0 <= answer.confidence <= 1.0
    assert (answer.entry_id is not None) == (answer.outcome == "answer")
    assert answer.platform in (None, "desktop", "mobile", "ios", "android")
    assert answer.region in (None, "us", "eu", "uk", "ch", "ca", "hk", "other")
    check_rendering(answer)


@SETTINGS
@given(
    st.sampled_from(["turn-off", "regions", "data-used", "nope"]),
    st.sampled_from([None, "desktop", "mobile", "ios", "android", "x" * 500]),
    st.sampled_from([None, "us", "eu", "uk", "ch", "ca", "hk", "other", "<@1>"]),
)
def test_every_slash_combination_renders(shipped: Engine, entry, platform, region) -> None:
    check_rendering(shipped.answer_entry(entry, platform=platform, region=region))


def test_autocomplete_never_exceeds_25(shipped: Engine) -> None:
    for text in ("", "a", "opt", "x" * 5000, "🤖"):
        assert len(shipped.search_topics(text)) <= 25
