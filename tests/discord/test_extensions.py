"""Every extension loads, ends with setup(), and no two commands share a name."""

from __future__ import annotations

import importlib
from collections import Counter

from discord import app_commands

from bot.app import EXTENSIONS


def test_every_extension_has_setup():
    for name in EXTENSIONS:
        module = importlib.import_module(name)
        assert callable(getattr(module, "setup", None)), name


async def test_extensions_load_without_duplicate_command_names(bot):
    for name in EXTENSIONS:
        await bot.load_extension(name)  # a duplicate name raises CommandAlreadyRegistered
    names = [c.name for c in bot.tree.get_commands()]
    assert Counter(names).most_common(1)[0][1] == 1
    assert {"ask", "optout", "sources", "topics"} <= set(names)  # other cogs may add more


async def test_command_text_reads_naturally(bot):
    for name in EXTENSIONS:
        await bot.load_extension(name)
    for command in bot.tree.walk_commands():
        assert command.name.islower() and 1 <= len(command.description) <= 100
        assert command.description[0].isupper() and not command.description.endswith(".")
        if isinstance(command, app_commands.Group):
            continue
        for param in command.parameters:
            assert param.description and param.description != "…", (command.name, param.name)
            assert len(param.description) <= 100


async def test_optout_options_offer_the_documented_values(bot):
    await bot.load_extension("bot.cogs.optout")
    params = {p.name: p for p in bot.tree.get_command("optout").parameters}
    assert [c.value for c in params["platform"].choices] == ["desktop", "mobile", "ios", "android"]
    assert [c.value for c in params["region"].choices] == [
        "us",
        "eu",
        "uk",
        "ch",
        "ca",
        "hk",
        "other",
    ]
    assert not params["private"].required and not params["region"].required
    assert bot.tree.get_command("ask").get_parameter("question").autocomplete
