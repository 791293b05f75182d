"""The embed is the core layout copied 1:1, and every answer fits Discord's limits."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.answering.answer import Answer, StepGroup, Suggestion
from bot.discord_ui.embeds import COLOURS, answer_embed, answer_text
from bot.discord_ui.views import build_view, render
from bot.knowledge.schema import Source
from bot.presentation.phone import first_layout

from .conftest import USER_ID


def test_embed_copies_layout(fixture_engine):
    """The embed is the phone-first layout copied 1:1 (issue 12: covers, the full list of what
    it does not cover and the sources moved behind the Details button)."""
    answer = fixture_engine.answer_entry("turn-off", platform="mobile", region="eu")
    embed = answer_embed(answer)
    lay = first_layout(answer)
    assert embed.title == lay.title == "Turn off AI training on your data"
    assert embed.description == lay.description
    assert embed.url == "https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement"
    assert [(f.name, f.value, f.inline) for f in embed.fields] == [
        (f.name, f.value, False) for f in lay.fields
    ]
    assert embed.footer.text == lay.footer
    assert embed.colour == COLOURS["answer"]
    assert "1. Tap your photo" in embed.description
    assert [f.name for f in embed.fields] == ["Where you are: EU and EEA", "What it does not stop"]
    assert embed.footer.text.startswith("Last checked 2026-11-01")


def test_text_fallback_is_markdown_within_message_limit(fixture_engine):
    answer = fixture_engine.answer_entry("turn-off", platform="desktop")
    text = answer_text(answer)
    assert text.startswith("**Turn off AI training on your data**")
    assert "1. Click Me" in text and len(text) <= 2000


def _huge(n: int = 30) -> Answer:
    long = "word " * 2000
    return Answer(
        question="q",
        outcome="answer",
        entry_id="turn-off",
        title="T" * 400,
        body=long,
        platform="desktop",
        region="eu",
        region_name="EU and EEA",
        region_note=long,
        steps=(StepGroup("desktop", "On the web", tuple(f"step {i} " * 40 for i in range(n))),),
        link="https://example.org/" + "x" * 50,
        covers=tuple("covers " * 30 for _ in range(n)),
        does_not_cover=tuple("not " * 50 for _ in range(n)),
        uncertain=long,
        caveat=long,
        sources=tuple(
            Source(f"s{i}", "S" * 300, "P" * 50, "2025", "https://e.org") for i in range(n)
        ),
        checked=date(2026, 1, 1),
        suggestions=tuple(Suggestion(f"topic-{i}", "Topic " * 30) for i in range(n)),
    )


@pytest.mark.parametrize("outcome", ["answer", "decline", "clarify"])
def test_long_answers_fit_every_discord_limit(outcome):
    answer = _huge()
    if outcome != "answer":
        from dataclasses import replace

        answer = replace(answer, outcome=outcome, entry_id=None, choices=answer.suggestions[:2])
    embed = answer_embed(answer)
    data = embed.to_dict()
    assert len(data["title"]) <= 256
    assert len(data["description"]) <= 4096
    fields = data.get("fields", [])  # a phone-first answer this long keeps only its steps
    assert len(fields) <= 25
    assert all(len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024 for f in fields)
    assert len(data["footer"]["text"]) <= 2048
    assert len(embed) <= 6000
    assert len(answer_text(answer)) <= 2000


def test_controls_fit_component_limits(fixture_kb):
    answer = _huge()
    view = build_view(answer)
    rows: dict[int, int] = {}
    for item in view.children:
        rows[item.row] = rows.get(item.row, 0) + item.width
        assert len(item.item.custom_id) <= 100
        label = getattr(item.item, "label", None)
        assert label is None or len(label) <= 80
    assert all(width <= 5 for width in rows.values()) and len(rows) <= 5


def test_custom_ids_hold_no_user_data(fixture_engine, fixture_kb):
    for entry in ("turn-off", "private-messages", "regions"):
        answer = fixture_engine.answer_entry(entry, platform="ios", region="uk")
        for item in render(answer).view.children:
            custom_id = item.item.custom_id
            assert re.fullmatch(r"ob:[a-z]:[a-z0-9:-]+", custom_id), custom_id
            assert str(USER_ID) not in custom_id


def test_every_bundled_answer_renders_with_valid_controls():
    """Whatever the moderators wrote in knowledge/: every entry, platform and region."""
    from bot.answering import Engine
    from bot.knowledge import load_knowledge

    kb = load_knowledge(None).kb
    assert kb is not None and "turn-off" in kb.entries
    engine = Engine(kb)
    for entry in kb.entries:
        for platform in (None, "desktop", "mobile", "ios", "android"):
            for region in (None, "us", "eu", "uk", "ch", "ca", "hk", "other"):
                answer = engine.answer_entry(entry, platform=platform, region=region)
                assert len(answer_embed(answer)) <= 6000
                assert len(answer_text(answer)) <= 2000
                view = build_view(answer)
                for item in view.children if view else ():
                    assert len(item.item.custom_id) <= 100
