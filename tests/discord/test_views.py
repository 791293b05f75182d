"""Controls: what they show, what a click does, and that they rebuild from custom_ids."""

from __future__ import annotations

import re

import discord
import pytest

from bot.discord_ui import views
from bot.discord_ui.views import (
    FEEDBACK_REPLIES,
    STORE_DOWN_REPLY,
    FeedbackButton,
    PlatformButton,
    RegionSelect,
    TopicButton,
    TopicSelect,
    build_view,
)
from bot.store import FeedbackResult, StoreError

from .conftest import GUILD_ID, make_interaction


def _ids(view: discord.ui.View) -> list[str]:
    return [item.item.custom_id for item in view.children]


def test_howto_answer_gets_platforms_region_and_feedback(fixture_engine, fixture_kb):
    answer = fixture_engine.answer_entry("turn-off", platform="ios")
    view = build_view(answer)
    assert _ids(view) == [
        "ob:p:turn-off:desktop:-",
        "ob:p:turn-off:mobile:-",
        "ob:p:turn-off:ios:-",
        "ob:p:turn-off:android:-",
        "ob:r:turn-off:ios",
        "ob:d:turn-off:ios:-",
        "ob:f:turn-off:y",
        "ob:f:turn-off:n",
        "ob:x:answer",
    ]
    ios = view.children[2].item
    assert ios.disabled and ios.style is discord.ButtonStyle.primary
    assert ios.label == "iPhone / iPad"
    select = view.children[4].item
    assert [o.value for o in select.options] == ["us", "eu", "uk", "ch", "ca", "hk", "other"]
    assert select.options[1].label == "EU and EEA" and not any(o.default for o in select.options)


def test_controls_keep_the_snapshot_that_answered(fixture_kb):
    """Issue 11: rendering reads nothing from the knowledge; a reload between answering and
    rendering (a renamed region and topic here) cannot mix two versions in one message."""
    from dataclasses import replace

    from bot.answering.engine import Engine

    engine = Engine(fixture_kb)
    answer = engine.answer_entry("turn-off", platform="ios")
    regions = {**fixture_kb.regions, "eu": replace(fixture_kb.regions["eu"], name="Renamed")}
    engine.swap(replace(fixture_kb, regions=regions))
    select = build_view(answer).children[4].item
    assert select.options[1].label == "EU and EEA"
    assert engine.answer_entry("turn-off").controls.region_names[1] == ("eu", "Renamed")


def test_region_menu_marks_the_current_region(fixture_engine, fixture_kb):
    answer = fixture_engine.answer_entry("turn-off", region="uk")
    select = build_view(answer).children[4].item
    assert [o.value for o in select.options if o.default] == ["uk"]


def test_plain_answer_has_only_feedback(fixture_engine, fixture_kb):
    answer = fixture_engine.answer_entry("private-messages")
    assert _ids(build_view(answer)) == [
        "ob:f:private-messages:y",
        "ob:f:private-messages:n",
        "ob:x:answer",
    ]


def test_clarify_and_decline_offer_topic_buttons(fixture_engine, fixture_kb):
    decline = fixture_engine.answer("what is the weather like on mars")
    assert decline.outcome == "decline"
    view = build_view(decline)
    assert _ids(view) == [*(f"ob:c:{s.id}:-:-" for s in decline.suggestions), "ob:x:answer"]
    labels = [c.item.label for c in view.children[:-1]]
    assert labels == [s.title for s in decline.suggestions]


@pytest.mark.parametrize(
    ("cls", "custom_id"),
    [
        (PlatformButton, "ob:p:turn-off:android:eu"),
        (RegionSelect, "ob:r:turn-off:-"),
        (TopicButton, "ob:c:regions:ios:-"),
        (TopicSelect, "ob:t"),
        (FeedbackButton, "ob:f:turn-off:n"),
    ],
)
async def test_controls_rebuild_from_custom_id(bot, cls, custom_id):
    match = re.fullmatch(cls.__discord_ui_compiled_template__, custom_id)
    assert match, custom_id
    item = await cls.from_custom_id(make_interaction(bot), None, match)
    if cls is not TopicSelect:
        assert item.item.custom_id == custom_id


async def test_platform_click_redraws_the_message(bot):
    interaction = make_interaction(bot, message_id=1)
    await PlatformButton("turn-off", "android", "eu").callback(interaction)
    kwargs = interaction.response.edit_message.await_args.kwargs
    assert kwargs["content"] is None
    embed = kwargs["embed"]
    assert "**Android app**" in embed.description and embed.fields[0].name.endswith("EU and EEA")
    assert [i.item.custom_id for i in kwargs["view"].children][:5] == [
        "ob:p:turn-off:desktop:eu",
        "ob:p:turn-off:mobile:eu",
        "ob:p:turn-off:ios:eu",
        "ob:p:turn-off:android:eu",
        "ob:r:turn-off:android",
    ]


async def test_region_pick_redraws_with_the_region(bot):
    interaction = make_interaction(bot, message_id=1)
    select = RegionSelect("turn-off", "mobile")
    select.item._values = ["ch"]  # what discord.py's _refresh_state sets from the click
    await select.callback(interaction)
    embed = interaction.response.edit_message.await_args.kwargs["embed"]
    assert embed.fields[0].name == "Where you are: Switzerland"
    assert "**In the app**" in embed.description


async def test_topic_pick_answers_in_place_and_is_recorded(bot, store):
    interaction = make_interaction(bot, message_id=1)
    await TopicButton("private-messages", None, None).callback(interaction)
    embed = interaction.response.edit_message.await_args.kwargs["embed"]
    assert embed.title == "Are private messages used?"
    stats = await store.stats(GUILD_ID)
    assert (stats.total, stats.answered) == (1, 1)


async def test_topic_menu_answers_privately(bot):
    interaction = make_interaction(bot, message_id=1)
    select = TopicSelect()
    select.item._values = ["regions"]
    await select.callback(interaction)
    kwargs = interaction.response.send_message.await_args.kwargs
    assert kwargs["ephemeral"] is True and kwargs["embed"].title == "Does it apply where I live?"


async def test_feedback_counts_once_per_person_without_storing_ids(bot, store):
    first = make_interaction(bot, message_id=42, user_id=7)
    await FeedbackButton("turn-off", True).callback(first)
    again = make_interaction(bot, message_id=42, user_id=7)
    await FeedbackButton("turn-off", True).callback(again)
    flip = make_interaction(bot, message_id=42, user_id=7)
    await FeedbackButton("turn-off", False).callback(flip)
    other = make_interaction(bot, message_id=42, user_id=8)
    await FeedbackButton("turn-off", True).callback(other)

    def reply(i):
        args = i.response.send_message.await_args
        assert args.kwargs == {"ephemeral": True}
        return args.args[0]

    assert reply(first) == FEEDBACK_REPLIES[(FeedbackResult.NEW, True)]
    assert reply(again) == FEEDBACK_REPLIES[(FeedbackResult.SAME, True)]
    assert reply(flip) == FEEDBACK_REPLIES[(FeedbackResult.CHANGED, False)]
    stats = (await store.feedback_stats(GUILD_ID)).per_entry["turn-off"]
    assert (stats.helpful, stats.not_helpful) == (1, 1)


async def test_feedback_voter_key_is_an_hmac(bot, store, monkeypatch):
    seen = []
    original = store.record_feedback

    async def spy(guild_id, answer_key, voter_key, entry_id, helpful):
        seen.append(voter_key)
        return await original(guild_id, answer_key, voter_key, entry_id, helpful)

    monkeypatch.setattr(store, "record_feedback", spy)
    await FeedbackButton("turn-off", True).callback(make_interaction(bot, message_id=42))
    (key,) = seen
    assert key == views.make_voter_key(await store.salt(), 333, "42") and len(key) == 32


async def test_feedback_with_storage_down_still_thanks(bot, store, monkeypatch):
    async def broken(*args, **kwargs):
        raise StoreError("disk full")

    monkeypatch.setattr(store, "record_feedback", broken)
    interaction = make_interaction(bot, message_id=42)
    await FeedbackButton("turn-off", False).callback(interaction)
    assert interaction.response.send_message.await_args.args == (STORE_DOWN_REPLY,)


async def test_control_failure_goes_to_the_error_handler(bot, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(bot.engine, "answer_entry", boom)
    interaction = make_interaction(bot, message_id=1)
    await PlatformButton("turn-off", "ios", None).callback(interaction)
    args = interaction.response.send_message.await_args
    assert args.kwargs == {"ephemeral": True} and "went wrong" in args.args[0]


async def test_clicking_the_same_suggestion_100_times_counts_once(bot, store):
    """Issue 14.5: each click used to add an answer to /kb stats."""
    for _ in range(100):
        interaction = make_interaction(bot, message_id=5, user_id=7)
        await TopicButton("private-messages", None, None).callback(interaction)
        assert interaction.response.edit_message.await_count == 1  # still answered each time
    await TopicButton("private-messages", None, None).callback(
        make_interaction(bot, message_id=5, user_id=8)
    )
    stats = await store.stats(GUILD_ID)
    assert stats.answers_per_entry == {"private-messages": 2}
