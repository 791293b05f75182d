"""Issue 13 end to end: the real bot, on the shipped knowledge, speaks the member's language.

A slash command follows the client's locale, a DM follows the language it is written in,
a click keeps (or follows) a language, /setup language sets a server's default for unclear
free text, and the synced commands carry localized help (names stay English).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from bot.answering import Engine
from bot.knowledge import load_knowledge
from bot.knowledge.locales import COMMAND_TEXTS

SHIPPED = Path(__file__).resolve().parents[2] / "knowledge"
LOCALES = {"de": "de", "fr": "fr", "nl": "nl", "es-ES": "es", "it": "it"}


@cache
def _shipped_kb():
    result = load_knowledge(SHIPPED)
    assert result.kb is not None, result.problems
    return result.kb


@pytest.fixture
def engine() -> Engine:
    """Overrides conftest's fixture knowledge: translations live in the shipped folder."""
    return Engine(_shipped_kb())


def _yaml(kind: str, lang: str) -> dict:
    return yaml.safe_load((SHIPPED / kind / f"{lang}.yaml").read_text(encoding="utf-8"))


def menu_label(lang: str, step: int = 2) -> str:
    """A LinkedIn menu label (the bold part of an app step) from that language's file."""
    steps = _yaml("translations", lang)["translation"]["entries"]["turn-off"]["steps"]["mobile"]
    (label,) = re.findall(r"\*\*(.+?)\*\*", steps[step])
    return label


def ui(lang: str, key: str) -> str:
    return _yaml("locales", lang)["locale"]["ui"][key]


def _texts(item: dict) -> set[str]:
    """Every description and choice name of a synced command, its options and choices."""
    found = {item["description"]} if item.get("description") else set()
    found |= {c["name"] for c in item.get("choices", [])}
    for option in item.get("options", []):
        found |= _texts(option)
    return found


def _size(item: dict) -> int:
    """Discord's count: names, descriptions and values, with every localization."""
    total = len(item.get("name", "")) + len(item.get("description", ""))
    total += len(str(item.get("value", ""))) if "value" in item else 0
    for key in ("name_localizations", "description_localizations"):
        total += sum(len(v) for v in (item.get(key) or {}).values())
    for child in (*item.get("options", []), *item.get("choices", [])):
        total += _size(child)
    return total


def components(body: dict) -> list[dict]:
    return [c for row in body["components"] for c in row["components"]]


@pytest.mark.parametrize("locale", list(LOCALES))
async def test_optout_mobile_answers_in_the_clients_language(
    fake_discord, world, make_bot, run_bot, locale
):
    lang = LOCALES[locale]
    async with run_bot(make_bot()):
        inter = await fake_discord.send_slash_command(
            "optout",
            {"platform": "mobile"},
            user=world.user,
            channel_id=world.channel["id"],
            locale=locale,
        )
        body = await fake_discord.wait_for_interaction_response(inter)
    embed = body["data"]["embeds"][0]
    assert f"**{menu_label(lang)}**" in embed["description"]
    assert (
        embed["title"]
        == _yaml("translations", lang)["translation"]["entries"]["turn-off"]["title"].strip()
    )
    controls = components(body["data"])
    select = next(c for c in controls if c["type"] == 3)
    assert select["placeholder"] == ui(lang, "region_placeholder")
    assert select["custom_id"] == f"ob:r:turn-off:mobile:{lang}"  # a click keeps the language
    regions = _yaml("translations", lang)["translation"]["regions"]
    names = {o["value"]: o["label"] for o in select["options"]}
    assert names["eu"] == regions["eu"]["name"] and names["ch"] == regions["ch"]["name"]
    labels = {c.get("label") for c in controls}
    assert {ui(lang, "helpful"), ui(lang, "not_helpful")} <= labels


async def test_an_english_client_still_gets_english(fake_discord, world, make_bot, run_bot):
    async with run_bot(make_bot()):
        inter = await fake_discord.send_slash_command(
            "optout", {"platform": "mobile"}, user=world.user, channel_id=world.channel["id"]
        )
        body = await fake_discord.wait_for_interaction_response(inter)
    assert body["data"]["embeds"][0]["title"] == _shipped_kb().entries["turn-off"].title
    ids = [c["custom_id"] for c in components(body["data"])]
    assert "ob:r:turn-off:mobile" in ids  # English controls keep their old ids


async def test_a_german_dm_gets_a_german_answer(fake_discord, world, make_bot, run_bot):
    dm = fake_discord.dm_channel(world.user)
    async with run_bot(make_bot(message_content=False)):
        await fake_discord.send_message_create(
            dm["id"],
            "Wie schalte ich das KI-Training in der App auf meinem iPhone aus?",
            author=world.user,
        )
        request = await fake_discord.wait_for_message(dm["id"])
    embed = request.json["embeds"][0]
    german = _shipped_kb().translations["de"].entries["turn-off"]
    assert embed["title"] == german.title
    assert menu_label("de") in embed["description"]
    select = next(c for c in components(request.json) if c["type"] == 3)
    assert select["placeholder"] == ui("de", "region_placeholder")


async def test_a_click_from_a_german_client_answers_in_german(
    fake_discord, world, make_bot, run_bot
):
    bob = fake_discord.make_user("bob")
    fake_discord.add_member(world.guild["id"], bob)
    async with run_bot(make_bot()):
        inter = await fake_discord.send_slash_command(
            "optout", {"platform": "mobile"}, user=world.user, channel_id=world.channel["id"]
        )
        await fake_discord.wait_for_interaction_response(inter)
        message = fake_discord.original_response(inter)
        # bob's client is German: his private copy of the iOS steps is German
        click = await fake_discord.send_component(
            message, "ob:p:turn-off:ios:-", user=bob, locale="de"
        )
        private = await fake_discord.wait_for_interaction_response(click)
        # the thanks for a vote from a German client is German too
        vote = await fake_discord.send_component(message, "ob:f:turn-off:y", user=bob, locale="de")
        thanks = await fake_discord.wait_for_interaction_response(vote)
    german = _shipped_kb().translations["de"].entries["turn-off"]
    assert private["data"]["embeds"][0]["title"] == german.title
    assert menu_label("de") in private["data"]["embeds"][0]["description"]
    select = next(c for c in components(private["data"]) if c["type"] == 3)
    assert select["placeholder"] == ui("de", "region_placeholder")
    assert select["custom_id"] == "ob:r:turn-off:ios:de"
    assert thanks["data"]["content"] == ui("de", "feedback_new_yes")


async def test_a_click_on_a_german_answer_keeps_german(fake_discord, world, make_bot, run_bot):
    """An answer written in German carries ':de' in its controls: an English client's click
    on it stays German (the asker wrote German)."""
    async with run_bot(make_bot()):
        inter = await fake_discord.send_slash_command(
            "optout",
            {"platform": "mobile"},
            user=world.user,
            channel_id=world.channel["id"],
            locale="de",
        )
        await fake_discord.wait_for_interaction_response(inter)
        message = fake_discord.original_response(inter)
        click = await fake_discord.send_component(
            message, "ob:p:turn-off:android:-:de", user=world.user
        )
        redrawn = await fake_discord.wait_for_interaction_response(click)
    german = _shipped_kb().translations["de"].entries["turn-off"]
    assert redrawn["type"] == 7
    assert redrawn["data"]["embeds"][0]["title"] == german.title


async def test_synced_commands_carry_localized_help(fake_discord, world, make_bot, run_bot):
    async with run_bot(make_bot()):
        (put,) = fake_discord.requests_matching("PUT", r"/applications/\d+/guilds/\d+/commands")
    commands = {c["name"]: c for c in put.json}
    optout = commands["optout"]
    for locale, lang in LOCALES.items():
        texts = _yaml("locales", lang)["locale"]["commands"]
        assert optout["description_localizations"][locale] == texts[optout["description"]]
        platform = next(o for o in optout["options"] if o["name"] == "platform")
        assert platform["description_localizations"][locale] == texts[platform["description"]]
        for choice in platform["choices"]:
            assert choice["name_localizations"][locale] == texts[choice["name"]]
    for command in put.json:  # names stay English everywhere
        assert not command.get("name_localizations"), command["name"]
        for option in command.get("options", []):
            assert not option.get("name_localizations"), (command["name"], option["name"])
    english = {c: _texts(commands[c]) for c in ("optout", "ask", "topics", "sources", "setup")}
    assert set().union(*english.values()) == COMMAND_TEXTS  # the list the loader checks against
    for command in put.json:  # Discord refuses a command over 8,000 characters in all
        assert _size(command) <= 8000, (command["name"], _size(command))
    setup = {o["name"]: o for o in commands["setup"]["options"]}
    assert setup["language"]["description_localizations"]["fr"].startswith("Langue")


async def test_setup_language_changes_the_servers_free_text_default(
    fake_discord, world, make_bot, run_bot, store
):
    owner = fake_discord.users[world.guild["owner_id"]]
    unclear = "opt out iphone"  # no language evidence either way
    async with run_bot(make_bot()):
        before = await fake_discord.send_message_create(
            world.channel["id"], f"<@{fake_discord.bot_user['id']}> {unclear}", author=world.user
        )
        first = await fake_discord.wait_for_message(world.channel["id"])
        inter = await fake_discord.send_slash_command(
            "setup language", {"language": "de"}, user=owner, channel_id=world.channel["id"]
        )
        reply = await fake_discord.wait_for_interaction_response(inter)
        other = world.other_channel["id"]  # elsewhere, so it is not "answered a minute ago"
        await fake_discord.send_message_create(
            other, f"<@{fake_discord.bot_user['id']}> {unclear}", author=world.user
        )
        second = await fake_discord.wait_for_message(other)
        saved = await store.get_settings(int(world.guild["id"]))
    assert before is not None
    kb = _shipped_kb()
    assert first.json["embeds"][0]["title"] == kb.entries["turn-off"].title
    assert "German" in reply["data"]["content"]
    assert saved.default_language == "de"
    assert second.json["embeds"][0]["title"] == kb.translations["de"].entries["turn-off"].title


async def test_ask_follows_the_client_else_the_question(fake_discord, world, make_bot, run_bot):
    """/ask from a French client answers in French; from an English client, a German question
    is answered in German (an English client is the default for many members)."""
    kb = _shipped_kb()
    async with run_bot(make_bot()):
        french = await fake_discord.send_slash_command(
            "ask",
            {"question": "how do I opt out on my iPhone"},
            user=world.user,
            channel_id=world.channel["id"],
            locale="fr",
        )
        in_french = await fake_discord.wait_for_interaction_response(french)
        german = await fake_discord.send_slash_command(
            "ask",
            {"question": "Wie schalte ich das KI-Training in der App aus?"},
            user=world.user,
            channel_id=world.other_channel["id"],
        )
        in_german = await fake_discord.wait_for_interaction_response(german)
    assert (
        in_french["data"]["embeds"][0]["title"] == kb.translations["fr"].entries["turn-off"].title
    )
    assert (
        in_german["data"]["embeds"][0]["title"] == kb.translations["de"].entries["turn-off"].title
    )
    ids = [c["custom_id"] for c in components(in_german["data"]) if "custom_id" in c]
    assert "ob:f:turn-off:y" in ids and any(i.endswith(":de") for i in ids)


async def test_a_bare_mention_is_greeted_in_the_servers_language(
    fake_discord, world, make_bot, run_bot, store
):
    await store.open()
    await store.update_settings(int(world.guild["id"]), default_language="it")
    async with run_bot(make_bot()):
        await fake_discord.send_message_create(
            world.channel["id"], f"<@{fake_discord.bot_user['id']}>", author=world.user
        )
        request = await fake_discord.wait_for_message(world.channel["id"])
    assert request.json["embeds"][0]["title"] == ui("it", "greeting_title")


async def test_topics_and_sources_in_the_clients_language(fake_discord, world, make_bot, run_bot):
    kb = _shipped_kb()
    async with run_bot(make_bot()):
        topics = await fake_discord.send_slash_command(
            "topics", {}, user=world.user, channel_id=world.channel["id"], locale="nl"
        )
        listed = await fake_discord.wait_for_interaction_response(topics)
        sources = await fake_discord.send_slash_command(
            "sources", {}, user=world.user, channel_id=world.channel["id"], locale="it"
        )
        cited = await fake_discord.wait_for_interaction_response(sources)
    embed = listed["data"]["embeds"][0]
    assert embed["title"] == ui("nl", "topics_title")
    first = kb.answer_entries()[0].id
    assert f"1. {kb.translations['nl'].entries[first].title}" in embed["description"]
    assert components(listed["data"])[0]["placeholder"] == ui("nl", "topic_placeholder")
    page = cited["data"]["embeds"][0]
    assert page["title"] == ui("it", "sources_title")
    assert page["footer"]["text"].startswith("Pagina 1 di ")
    buttons = [c["label"] for c in components(cited["data"])]
    assert buttons == [ui("it", "previous"), ui("it", "next")]
