"""Issue 12: phone-first answers, Details privately, and clicks that respect the asker."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from unittest.mock import create_autospec

import discord
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.answering import Engine
from bot.answering.answer import Answer, StepGroup
from bot.discord_ui.embeds import answer_embed, answer_text, details_embed
from bot.discord_ui.views import (
    NOT_YOURS_TO_REMOVE,
    DetailsButton,
    PlatformButton,
    RegionSelect,
    RemoveButton,
    TopicButton,
    build_view,
    render,
)
from bot.knowledge import load_knowledge
from bot.knowledge.schema import PLATFORM_IDS, REGION_IDS
from bot.presentation.phone import PHONE_LIMIT, first_layout, has_details, plain_text

from .conftest import make_interaction

LINK = "https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement"


def visible(embed: discord.Embed) -> int:
    """What a phone shows: title, description, field names and values, footer."""
    return len(embed)


def assert_within_discord_limits(embed: discord.Embed) -> None:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= 256
    assert len(data.get("description", "")) <= 4096
    fields = data.get("fields", [])
    assert len(fields) <= 25
    assert all(len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024 for f in fields)
    assert len(data.get("footer", {}).get("text", "")) <= 2048
    assert len(embed) <= 6000


def test_every_answer_of_the_shipped_knowledge_fits_a_phone():
    """Exhaustive: every entry, for every platform and region (and none), renders its first
    message within 1,500 visible characters and every Discord limit; the plain text fits a
    message and ends with the direct link and the date; Details fit an embed."""
    kb = load_knowledge(None).kb
    engine = Engine(kb)
    for entry in kb.entries.values():
        assert len(entry.label) <= 40, entry.id
        for platform in (None, *PLATFORM_IDS):
            for region in (None, *REGION_IDS):
                answer = engine.answer_entry(entry.id, platform=platform, region=region)
                embed = answer_embed(answer)
                assert visible(embed) <= PHONE_LIMIT, (entry.id, platform, region)
                assert_within_discord_limits(embed)
                text = answer_text(answer)
                assert len(text) <= 2000
                if answer.checked:
                    assert text.endswith(f"_Last checked {answer.checked.isoformat()}_") or (
                        f"Last checked {answer.checked.isoformat()}" in text.rsplit("\n", 1)[-1]
                    )
                if answer.link:
                    tail = text.rsplit("\n\n", 2)
                    assert tail[-2] == f"**Direct link:** {answer.link}"
                assert_within_discord_limits(details_embed(answer))
                view = build_view(answer)
                for item in view.children if view else ():
                    label = getattr(item.item, "label", None)
                    if item.item.custom_id.startswith("ob:c:"):
                        assert label is not None and len(label) <= 40


def test_optout_without_platform_shows_web_steps_and_the_app_one_click_away():
    kb = load_knowledge(None).kb
    answer = Engine(kb).answer_entry("turn-off")
    embed = answer_embed(answer)
    text = embed.description + "".join(f.value for f in embed.fields)
    assert "**Computer / web browser**\n1. " in embed.description
    assert "App steps" in embed.description and "tap your **profile photo**" not in text
    assert text.count(LINK) == 1  # once, in the direct link line
    assert [f.name for f in embed.fields] == ["Regions", "What it does not stop"]
    assert embed.footer.text.startswith("Last checked ")
    assert has_details(answer)
    details = details_embed(answer)
    assert [f.name for f in details.fields][-1] == "Sources"
    assert "What this covers" in [f.name for f in details.fields]


def test_asked_platform_shows_only_its_steps():
    kb = load_knowledge(None).kb
    embed = answer_embed(Engine(kb).answer_entry("turn-off", platform="android", region="uk"))
    assert "**Android app**" in embed.description
    assert "Computer / web browser" not in embed.description
    assert embed.fields[0].name == "Where you are: United Kingdom"
    assert embed.fields[0].value.count(". ") <= 2  # the region in a sentence or two


def _answer(sections: list[str], steps: list[str], note: str) -> Answer:
    return Answer(
        question="q",
        outcome="answer",
        entry_id="turn-off",
        title="How to do it",
        body="\n\n".join(sections),
        platform="desktop",
        region="eu",
        region_name="EU",
        region_note=note,
        steps=(StepGroup("desktop", "On the web", tuple(steps)),),
        link="https://example.org/setting",
        covers=("c",),
        does_not_cover=("Old data is not removed.",),
        checked=date(2026, 1, 2),
    )


WORDS = st.text(alphabet="abcdefgh ", min_size=1, max_size=400).map(lambda t: t.strip() or "x")


@settings(max_examples=80, deadline=None)
@example(["p"], ["a" * 400] * 5, "note", 500)  # steps longer than the message
@example(["p " * 150] * 4, ["step"], "A note. " * 60, 600)  # many long sections to drop
@given(
    st.lists(WORDS, min_size=1, max_size=4),
    st.lists(WORDS, min_size=1, max_size=10),
    WORDS,
    st.integers(min_value=300, max_value=2000),
)
def test_plain_text_drops_whole_sections_and_ends_with_link_and_date(
    paragraphs, steps, note, limit
):
    answer = _answer(paragraphs, steps, note)
    text = plain_text(answer, limit)
    assert len(text) <= limit
    assert text.endswith(
        "**Direct link:** https://example.org/setting\n\n_Last checked 2026-01-02_"
    )
    steps_block = "**On the web**\n" + "\n".join(f"{n}. {s}" for n, s in enumerate(steps, 1))
    if len(steps_block) + 120 < limit:
        assert steps_block in text  # the steps are never dropped or cut while they fit
    for line in text.split("\n"):
        number, dot, rest = line.partition(". ")
        if number.isdigit() and dot:
            assert rest == steps[int(number) - 1]  # a step is shown whole or not at all
    for paragraph in (p.strip() for p in paragraphs if len(p.strip()) <= 320):
        shown = [p for p in text.split("\n\n") if len(p) > 20 and paragraph.startswith(p)]
        assert all(p == paragraph for p in shown)
    region_part = [p for p in text.split("\n\n") if p.startswith("**Where you are: EU**")]
    for part in region_part:  # present means whole (up to its two-sentence first-message form)
        assert "…" not in part or len(note) > 280


async def test_other_members_clicks_answer_privately(bot):
    for control in (
        PlatformButton("turn-off", "android", None),
        TopicButton("private-messages", None, None),
    ):
        interaction = make_interaction(bot, message_id=1, user_id=8, asker_id=7)
        await control.callback(interaction)
        interaction.response.edit_message.assert_not_awaited()
        kwargs = interaction.response.send_message.await_args.kwargs
        assert kwargs["ephemeral"] is True and kwargs["embed"].title
        ids = [i.item.custom_id for i in kwargs["view"].children]
        assert "ob:x:answer" not in ids  # nothing to remove on a private copy
    select = RegionSelect("turn-off", "mobile")
    select.item._values = ["ch"]
    interaction = make_interaction(bot, message_id=1, user_id=8, asker_id=None)
    await select.callback(interaction)  # asker unknown: never rewrite someone's message
    interaction.response.edit_message.assert_not_awaited()
    assert interaction.response.send_message.await_args.kwargs["ephemeral"] is True


async def test_the_askers_click_edits_and_keeps_the_for_line(bot):
    interaction = make_interaction(bot, message_id=1, user_id=7, asker_id=7)
    interaction.message.content = "For <@55>"
    await PlatformButton("turn-off", "android", None).callback(interaction)
    kwargs = interaction.response.edit_message.await_args.kwargs
    assert kwargs["content"] == "For <@55>" and "**Android app**" in kwargs["embed"].description


async def test_asker_found_from_the_question_the_answer_replies_to(bot):
    interaction = make_interaction(bot, message_id=1, user_id=7, asker_id=None)
    resolved = create_autospec(discord.Message, instance=True)
    resolved.author = discord.Object(id=7)
    interaction.message.reference = discord.MessageReference(message_id=5, channel_id=1)
    interaction.message.reference.resolved = resolved
    await TopicButton("regions", None, None).callback(interaction)
    interaction.response.edit_message.assert_awaited()


async def test_details_are_private_to_whoever_clicked(bot):
    interaction = make_interaction(bot, message_id=1, user_id=8, asker_id=7)
    await DetailsButton("turn-off", "ios", "eu").callback(interaction)
    kwargs = interaction.response.send_message.await_args.kwargs
    assert kwargs["ephemeral"] is True
    names = [f.name for f in kwargs["embed"].fields]
    assert names == [
        "Where you are: EU and EEA",
        "What this covers",
        "What it does not cover",
        "Sources",
    ]


async def test_remove_by_asker_or_moderator_only(bot):
    asker = make_interaction(bot, message_id=1, user_id=7, asker_id=7)
    asker.permissions = discord.Permissions.none()
    await RemoveButton().callback(asker)
    asker.message.delete.assert_awaited()
    other = make_interaction(bot, message_id=1, user_id=8, asker_id=7)
    other.permissions = discord.Permissions.none()
    await RemoveButton().callback(other)
    other.message.delete.assert_not_awaited()
    assert other.response.send_message.await_args.args == (NOT_YOURS_TO_REMOVE,)
    moderator = make_interaction(bot, message_id=1, user_id=9, asker_id=7)
    moderator.permissions = discord.Permissions(manage_messages=True)
    await RemoveButton().callback(moderator)
    moderator.message.delete.assert_awaited()


def test_a_catchers_title_is_never_a_heading(fixture_engine, fixture_kb):
    answer = fixture_engine.answer("reset my password")
    assert answer.outcome == "decline" and answer.catcher and answer.title == ""
    embed = answer_embed(render(answer).answer)
    assert embed.title is None and embed.description == "For account problems, see LinkedIn Help."
    generic = fixture_engine.answer("recipe for banana bread")
    assert answer_embed(render(generic).answer).title == "I don't know that one"


def test_long_single_topic_answer_moves_the_rest_behind_details():
    kb = load_knowledge(None).kb
    base = Engine(kb).answer_entry("private-messages")
    long = replace(base, body="\n\n".join(f"Paragraph {n}. " + "word " * 120 for n in range(6)))
    lay = first_layout(long)
    assert lay.total_chars() <= PHONE_LIMIT and has_details(long)
    assert lay.description.startswith("Paragraph 0.") and "Paragraph 5." not in lay.description
    assert "Paragraph 5." in details_embed(long).description
