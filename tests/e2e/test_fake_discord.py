"""Smoke tests proving the fake Discord works with a plain discord.py ``commands.Bot``.

Why: before the real bot is tested against the fake, the fake itself must be shown to
speak the protocol discord.py 2.7 expects (login, gateway, REST, interactions, resume).
"""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from tests.e2e.fake_discord import EPHEMERAL, DefaultWorld, FakeDiscord, make_test_bot


async def test_login_ready_with_configured_guild(fake_discord, world: DefaultWorld, run_bot):
    bot = make_test_bot()
    async with run_bot(bot):
        guild = bot.get_guild(int(world.guild["id"]))
        assert guild is not None and guild.name == "Test Guild"
        assert {c.name for c in guild.text_channels} == {"general", "other"}
        assert guild.me.guild_permissions.send_messages
        assert guild.get_member(int(world.user["id"])) is not None
        assert bot.user.id == int(fake_discord.bot_user["id"])
    identify = fake_discord.identify_payloads[0]
    assert identify["token"] == fake_discord.token
    assert identify["intents"] & discord.Intents(message_content=True).value
    # discord.py asks for zlib-stream; the fake then sends Z_SYNC_FLUSH-terminated binary frames.
    assert fake_discord.gateway_queries[0] == {
        "v": "10",
        "encoding": "json",
        "compress": "zlib-stream",
    }
    assert fake_discord.gateway_sent[0]["t"] == "READY"
    assert [e["s"] for e in fake_discord.gateway_sent] == list(
        range(1, len(fake_discord.gateway_sent) + 1)
    )
    assert not fake_discord.unknown_requests()


async def test_message_create_triggers_reply(fake_discord, world: DefaultWorld, run_bot):
    bot = make_test_bot()

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.content == "ping" and not message.author.bot:
            await message.reply("pong", mention_author=False)

    async with run_bot(bot):
        incoming = await fake_discord.send_message_create(
            world.channel["id"], "ping", author=world.user
        )
        request = await fake_discord.wait_for_message(world.channel["id"])
    body = dict(request.json)
    assert body.pop("nonce").isdigit() and body.pop("enforce_nonce") is True
    assert body == {
        "content": "pong",
        "components": [],
        "tts": False,
        "message_reference": {
            "message_id": int(incoming["id"]),
            "channel_id": int(world.channel["id"]),
            "guild_id": int(world.guild["id"]),
        },
        "allowed_mentions": {"replied_user": False, "parse": ["everyone", "users", "roles"]},
    }
    stored = request.response
    assert stored["type"] == 19 and stored["referenced_message"]["id"] == incoming["id"]
    assert stored["mentions"] == []  # replied_user False: the author is not pinged


async def test_slash_command_with_choice_ephemeral(fake_discord, world: DefaultWorld, run_bot):
    bot = make_test_bot()
    guild_obj = discord.Object(int(world.guild["id"]))

    @app_commands.command(name="topic", description="Explain a topic")
    @app_commands.choices(
        which=[
            app_commands.Choice(name="Opt out", value="optout"),
            app_commands.Choice(name="Privacy", value="privacy"),
        ]
    )
    async def topic(interaction: discord.Interaction, which: app_commands.Choice[str]) -> None:
        await interaction.response.send_message(f"about {which.value}", ephemeral=True)

    @app_commands.command(name="find", description="Autocompleted search")
    async def find(interaction: discord.Interaction, query: str) -> None:
        await interaction.response.send_message(query)

    @find.autocomplete("query")
    async def find_auto(interaction: discord.Interaction, current: str):
        return [
            app_commands.Choice(name=v, value=v)
            for v in ("linkedin", "lists")
            if v.startswith(current)
        ]

    async def setup_hook() -> None:
        bot.tree.add_command(topic, guild=guild_obj)
        bot.tree.add_command(find, guild=guild_obj)
        await bot.tree.sync(guild=guild_obj)

    bot.setup_hook = setup_hook
    async with run_bot(bot):
        (put,) = fake_discord.requests_matching("PUT", r"/applications/\d+/guilds/\d+/commands")
        assert [c["name"] for c in put.json] == ["topic", "find"]
        assert put.json[0]["options"][0]["choices"][0] == {"name": "Opt out", "value": "optout"}
        assert all(c["id"] for c in put.response)

        inter = await fake_discord.send_slash_command(
            "topic", {"which": "privacy"}, user=world.user, channel_id=world.channel["id"]
        )
        body = await fake_discord.wait_for_interaction_response(inter)
        assert body == {
            "type": 4,
            "data": {
                "content": "about privacy",
                "tts": False,
                "flags": EPHEMERAL,
            },
        }
        assert fake_discord.original_response(inter)["flags"] & EPHEMERAL

        auto = await fake_discord.send_autocomplete(
            "find", {"query": "li"}, "query", user=world.user, channel_id=world.channel["id"]
        )
        body = await fake_discord.wait_for_interaction_response(auto)
        assert body["type"] == 8
        assert [c["value"] for c in body["data"]["choices"]] == ["linkedin", "lists"]


class Panel(discord.ui.View):
    """Persistent view: timeout=None and fixed custom_ids so it survives restarts."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.picked: list[str] = []

    @discord.ui.button(label="Help", custom_id="panel:help", style=discord.ButtonStyle.primary)
    async def help_button(
        self, interaction: discord.Interaction, button: discord.ui.Button
    ) -> None:
        button.disabled = True
        await interaction.response.edit_message(content="helped", view=self)

    @discord.ui.select(
        custom_id="panel:pick",
        options=[discord.SelectOption(label="a"), discord.SelectOption(label="b")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        self.picked = list(select.values)
        await interaction.response.send_message(f"picked {select.values[0]}", ephemeral=True)


async def test_persistent_view_button_and_select(fake_discord, world: DefaultWorld, run_bot):
    bot = make_test_bot()
    panel = Panel()

    async def setup_hook() -> None:
        bot.add_view(panel)

    bot.setup_hook = setup_hook
    # A panel the bot posted "before a restart": it only exists on Discord's side.
    old = fake_discord.base_message(
        world.channel, fake_discord.bot_user, "Need help?", components=Panel().to_components()
    )
    fake_discord.messages[old["id"]] = old

    async with run_bot(bot):
        click = await fake_discord.send_component(old, "panel:help", user=world.user)
        body = await fake_discord.wait_for_interaction_response(click)
        assert body["type"] == 7 and body["data"]["content"] == "helped"
        button = fake_discord.find_component(fake_discord.messages[old["id"]], "panel:help")
        assert button["disabled"] is True
        assert fake_discord.messages[old["id"]]["content"] == "helped"

        pick = await fake_discord.send_component(
            old, "panel:pick", user=world.user, component_type=3, values=["b"]
        )
        body = await fake_discord.wait_for_interaction_response(pick)
        assert body["type"] == 4 and body["data"]["flags"] == EPHEMERAL
        assert panel.picked == ["b"]


async def test_direct_messages(fake_discord: FakeDiscord, world: DefaultWorld, run_bot):
    bot = make_test_bot()

    @bot.command()
    async def dmme(ctx: commands.Context) -> None:
        await ctx.author.send("psst")

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.guild is None and not message.author.bot:
            await message.channel.send(f"dm echo: {message.content}")
        await bot.process_commands(message)

    async with run_bot(bot):
        dm = fake_discord.dm_channel(world.user)
        await fake_discord.send_message_create(dm["id"], "hello bot", author=world.user)
        echo = await fake_discord.wait_for_message(dm["id"])
        assert echo.json["content"] == "dm echo: hello bot"

        mark = fake_discord.mark()
        await fake_discord.send_message_create(world.channel["id"], "!dmme", author=world.user)
        sent = await fake_discord.wait_for_message(dm["id"], since=mark)
        assert sent.json["content"] == "psst"

        # Closed DMs behave like Discord: 403 / 50007 reaches the bot as discord.Forbidden.
        fake_discord.dms_closed.add(world.user["id"])
        errors: list[BaseException] = []

        @bot.event
        async def on_command_error(ctx: commands.Context, error: Exception) -> None:
            errors.append(error)

        await fake_discord.send_message_create(world.channel["id"], "!dmme", author=world.user)
        await fake_discord.wait_for(lambda: errors)
        error = errors[0]
        assert isinstance(error, commands.CommandInvokeError)
        assert isinstance(error.original, discord.Forbidden) and error.original.code == 50007


async def test_gateway_drop_resumes_and_invalid_session_reidentifies(
    fake_discord: FakeDiscord, world: DefaultWorld, run_bot
):
    bot = make_test_bot()
    resumed = asyncio.Event()
    readies: list[int] = []
    seen: list[str] = []

    async def on_resumed() -> None:
        resumed.set()

    async def on_ready() -> None:
        readies.append(1)

    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)

    bot.add_listener(on_ready)
    bot.add_listener(on_resumed)
    bot.add_listener(on_message)
    async with run_bot(bot):
        await fake_discord.drop_gateway()
        # Dispatched while disconnected: must be replayed on RESUME.
        await fake_discord.send_message_create(world.channel["id"], "while away", author=world.user)
        await asyncio.wait_for(resumed.wait(), 5)
        await fake_discord.wait_for(lambda: "while away" in seen)
        assert (
            fake_discord.resume_payloads[0]["session_id"]
            == fake_discord.gateway_sent[0]["d"]["session_id"]
        )
        assert len(fake_discord.identify_payloads) == 1

        await fake_discord.invalidate_session(resumable=False)
        await fake_discord.wait_for(lambda: len(fake_discord.identify_payloads) == 2)
        await fake_discord.wait_for(lambda: len(readies) == 2 and fake_discord.connected)
        await fake_discord.send_message_create(world.channel["id"], "after", author=world.user)
        await fake_discord.wait_for(lambda: "after" in seen)


async def test_rate_limit_is_retried(fake_discord: FakeDiscord, world: DefaultWorld, run_bot):
    bot = make_test_bot()
    async with run_bot(bot):
        fake_discord.inject_fault("POST", r"/channels/\d+/messages", 429, retry_after=0.05)
        channel = bot.get_channel(int(world.channel["id"]))
        await channel.send("eventually")
    statuses = [r.status for r in fake_discord.requests_matching("POST", r"/channels/\d+/messages")]
    assert statuses == [429, 200]


async def test_defer_followup_edit_original_and_upload(
    fake_discord: FakeDiscord, world: DefaultWorld, run_bot
):
    bot = make_test_bot()

    @bot.tree.command(name="slow", description="Deferred work")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("done", file=discord.File(io.BytesIO(b"abc"), "r.txt"))
        await interaction.edit_original_response(content="done (edited)")
        extra = await interaction.followup.send("more", ephemeral=True, wait=True)
        await extra.edit(content="more!")

    async with run_bot(bot):
        inter = await fake_discord.send_slash_command(
            "slow", user=world.user, channel_id=world.channel["id"]
        )
        await fake_discord.wait_for(lambda: len(fake_discord.webhook_requests(inter)) == 4)
        assert fake_discord.interaction_responses(inter.id) == [{"type": 5}]
        original = fake_discord.original_response(inter)
        # The first followup after a defer replaces the "thinking" message, like Discord.
        assert original["content"] == "done (edited)" and original["flags"] == 0
        assert original["attachments"][0]["filename"] == "r.txt"
        upload = fake_discord.webhook_requests(inter)[0]
        assert upload.json["content"] == "done" and upload.files[0]["data"] == b"abc"
        last = fake_discord.webhook_requests(inter)[-1]
        assert last.method == "PATCH" and last.response["content"] == "more!"
        assert last.response["flags"] == EPHEMERAL
        assert all(r.status == 200 for r in fake_discord.webhook_requests(inter))
